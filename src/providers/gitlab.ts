// GitLab (gitlab.com and self-managed). Standard OAuth 2.0 with PKCE for public ("non
// confidential") applications, RFC 7009 revocation, rotating refresh tokens, and the REST API
// under /api/v4. The device flow exists only from GitLab 17.2 (behind a feature flag), on by
// default from 17.3 and generally available in 17.9 (docs.gitlab.com/api/oauth2/#device-authorization-grant-flow):
// an older or flag-off instance answers 404, and we say so instead of failing obscurely.
import { failure } from '../errors.js';
import { OAuthError } from '../oauth/errors.js';
import { originFor } from '../http/insecure-hosts.js';
import { clientAuth } from '../oauth/client-auth.js';
import { revokeTokenSet } from '../oauth/revoke.js';
import { getWithToken } from './api.js';
import type { Provider } from './types.js';

export const gitlab: Provider = {
  name: 'gitlab',
  displayName: 'GitLab',
  defaultHost: 'gitlab.com',
  multiHost: true,
  defaultScopes: ['read_user', 'read_api'],
  envName: 'GITLAB',
  webFlowNeedsSecret: false,
  // A configured secret means a confidential application, which must authenticate every time.
  secretOnEveryTokenRequest: true,
  oauthHeaders: { accept: 'application/json' },
  openIdConnect: false,
  identity: 'login',
  deviceClient: 'same',

  explainOAuthError(error, { host }) {
    if (error.code !== 'no_device_flow') return undefined;
    return new OAuthError(
      'failure',
      'no_device_flow',
      `${host} has no device flow (it needs GitLab 17.2 or later with the device flow enabled; it is on by default from 17.3): use --web`,
    );
  },

  registerAppHelp(host) {
    return (
      `Create an application at ${originFor(host)}/-/user_settings/applications ` +
      '(untick "Confidential"; scopes read_user and read_api; redirect URI http://127.0.0.1/callback), ' +
      'then set OAUTHCLI_GITLAB_CLIENT_ID to its application id.'
    );
  },

  async endpoints(host) {
    const origin = originFor(host);
    return {
      host,
      issuer: origin,
      authorize: `${origin}/oauth/authorize`,
      token: `${origin}/oauth/token`,
      deviceAuthorization: `${origin}/oauth/authorize_device`,
      revocation: `${origin}/oauth/revoke`,
      api: `${origin}/api/v4`,
      graphql: `${origin}/api/graphql`,
      clientAuthMethod: 'client_secret_post',
      apiOrigins: [origin],
    };
  },

  async fetchProfile(http, { endpoints, tokens, signal }) {
    const { body: user } = await getWithToken<Record<string, unknown>>(http, `${endpoints.api}/user`, tokens.accessToken, { signal });
    if (typeof user.username !== 'string' || user.id === undefined) throw failure(`${endpoints.host} sent a user without a username`, { code: 'malformed_response' });
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
    return {
      login: user.username,
      id: String(user.id),
      name: str(user.name),
      email: str(user.email) ?? str(user.public_email),
      url: str(user.web_url),
    };
  },

  revokeByHandUrl(endpoints) {
    return `${originFor(endpoints.host)}/-/user_settings/applications`;
  },

  // The listing's modules (pagination, the page scanner) load only when a listing runs.
  async *listRepos(...args) {
    const { listGitLabProjects } = await import('./gitlab-repos.js');
    yield* listGitLabProjects(...args);
  },

  restApi: { perPage: true },

  // "Use the token as the password and oauth2 as the username" (docs.gitlab.com, OAuth 2.0 tokens with Git over HTTPS).
  git: { username: () => 'oauth2' },

  async revoke(http, req) {
    const client = clientAuth(req.clientId, req.clientSecret, req.endpoints.clientAuthMethod);
    await revokeTokenSet(http, { endpoint: req.endpoints.revocation!, client, tokens: req.tokens, ...(req.signal ? { signal: req.signal } : {}) });
  },
};
