// GitHub: github.com, GitHub Enterprise Cloud with data residency (SUBDOMAIN.ghe.com) and GitHub
// Enterprise Server (any other host). Quirks kept here:
// - OAuth endpoints answer form-encoded unless asked for JSON, and answer errors with HTTP 200
//   (the token-endpoint reader treats an `error` field as an error whatever the status);
// - the granted scopes come back in the X-OAuth-Scopes header;
// - where the REST API lives: api.github.com, api.SUBDOMAIN.ghe.com, HOST/api/v3;
// - device-flow errors of its own (a bare 404 for an unknown client id, device_flow_disabled);
// - a dead refresh token is refused with bad_refresh_token, not RFC 6749's invalid_grant;
// - revocation is not RFC 7009 but DELETE /applications/{client_id}/token with Basic auth.
// https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
import { type ErrorCode, failure, usageError } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { hostnameOf, originFor } from '../http/insecure-hosts.js';
import { OAuthError } from '../oauth/errors.js';
import { splitScopes } from '../oauth/token-response.js';
import { getWithToken } from './api.js';
import { GITHUB_API_HEADERS } from './github-api-headers.js';
import { missingScope } from './github-scopes.js';
import { RESPONSE_TIME_BUDGET } from './github-server-time.js';
import type { Endpoints, Profile, Provider, RevokeRequest } from './types.js';

/**
 * GitHub Enterprise Cloud with data residency: the REST API is on its own host,
 * https://api.SUBDOMAIN.ghe.com (docs.github.com/en/enterprise-cloud@latest/admin/data-residency/network-details-for-ghecom).
 */
export function isDataResidencyHost(host: string): boolean {
  return /^[a-z0-9-]+\.ghe\.com$/.test(hostnameOf(host));
}

/** The REST API's base URL for a host: github.com's and ghe.com's are hosts of their own; GHES serves it under /api/v3. */
export function githubApiBase(host: string): string {
  if (host === 'github.com') return 'https://api.github.com';
  if (isDataResidencyHost(host)) return `https://api.${host}`;
  return `${originFor(host)}/api/v3`;
}

/**
 * The GraphQL endpoint, as gh's ghinstance.GraphQLEndpoint places it: beside the REST API's base
 * on api.github.com and GHE.com (`https://api.HOST/graphql`); at `/api/graphql` where REST is
 * under `/api/v3` (GitHub Enterprise Server, and loopback test hosts).
 */
function githubGraphqlUrl(api: string): string {
  return api.endsWith('/api/v3') ? `${api.slice(0, -'/api/v3'.length)}/api/graphql` : `${api}/graphql`;
}

/** GitHub's own OAuth error codes, in words (docs: "Troubleshooting OAuth app access token request errors", device flow "Error codes"). */
const GITHUB_ERRORS: Partial<Record<ErrorCode, string>> = {
  incorrect_client_credentials: "GitHub does not know this client id (or secret). Check the OAuth app's client id.",
  incorrect_device_code: 'GitHub no longer knows this device code. Run the login again.',
  device_flow_disabled: 'The device flow is not enabled for this OAuth app: tick "Enable Device Flow" in the app\'s settings, or use --web.',
  unsupported_grant_type: 'GitHub does not support this grant for this app.',
};

export const github: Provider = {
  name: 'github',
  displayName: 'GitHub',
  defaultHost: 'github.com',
  multiHost: true,
  defaultScopes: ['read:user', 'repo'],
  envName: 'GITHUB',
  // https://cli.github.com/manual/gh_help_environment: GH_TOKEN, GITHUB_TOKEN (in order of
  // precedence) for github.com; GH_ENTERPRISE_TOKEN, GITHUB_ENTERPRISE_TOKEN for GitHub
  // Enterprise, "when setting this, also set GH_HOST".
  foreignEnv: { host: 'GH_HOST', tokens: ['GH_TOKEN', 'GITHUB_TOKEN'], enterpriseTokens: ['GH_ENTERPRISE_TOKEN', 'GITHUB_ENTERPRISE_TOKEN'] },
  webFlowNeedsSecret: true,
  // The device flow's polls carry the client id only; the code exchange and refresh send the
  // secret when one is configured (GitHub requires it there for OAuth apps).
  secretOnEveryTokenRequest: false,
  oauthHeaders: { accept: 'application/json' },
  openIdConnect: false,
  identity: 'login',
  deviceClient: 'same',
  // "Refreshing user access tokens": a refresh token that is invalid or expired is refused with
  // bad_refresh_token, after which only a new sign-in helps.
  refreshRefusals: ['bad_refresh_token'],
  // "prompt=select_account forces the account picker": without it, a browser signed in to one
  // account silently authorizes that account again (github.blog changelog 2024-06-07).
  authorizationParams: ({ addingAccount }): Record<string, string> => (addingAccount ? { prompt: 'select_account' } : {}),

  registerAppHelp(host) {
    const hostFlag = host === 'github.com' ? '' : ` --hostname ${host}`;
    return (
      `Run oauthcli app create github${hostFlag} to create your own GitHub App in one browser round trip, or ` +
      `register an OAuth app at ${originFor(host)}/settings/applications/new ` +
      '(tick "Enable Device Flow"; callback URL http://127.0.0.1/callback), ' +
      'then set OAUTHCLI_GITHUB_CLIENT_ID to its client id.'
    );
  },

  async endpoints(host) {
    const origin = originFor(host);
    const api = githubApiBase(host);
    return {
      host,
      deviceAuthorization: `${origin}/login/device/code`,
      token: `${origin}/login/oauth/access_token`,
      authorize: `${origin}/login/oauth/authorize`,
      api,
      graphql: githubGraphqlUrl(api),
      issuer: `${origin}/login/oauth`,
      clientAuthMethod: 'client_secret_post',
      apiOrigins: [new URL(api).origin],
    } satisfies Endpoints;
  },

  explainOAuthError(error, { host, clientId }) {
    // An unknown client id gets a bare 404 from /login/device/code, not an OAuth error.
    if (error.code === 'no_device_flow') {
      return new OAuthError('failure', 'incorrect_client_credentials', `${host} does not know the client id '${clientId}' (HTTP 404). Check the OAuth app's client id.`);
    }
    const message = GITHUB_ERRORS[error.code];
    return message ? new OAuthError('failure', error.code, message, error.description, error.body) : undefined;
  },

  async fetchProfile(http, { endpoints, tokens, signal }) {
    const { body: user, res } = await getWithToken<Record<string, unknown>>(http, `${endpoints.api}/user`, tokens.accessToken, { headers: GITHUB_API_HEADERS, signal });
    if (typeof user.login !== 'string' || user.id === undefined) {
      throw failure(`${endpoints.host} sent a user profile without a login`, { code: 'malformed_response' });
    }
    const profile: Profile = {
      login: user.login,
      id: String(user.id),
      name: typeof user.name === 'string' ? user.name : null,
      email: typeof user.email === 'string' ? user.email : null,
      url: typeof user.html_url === 'string' ? user.html_url : null,
    };
    const header = res.headers['x-oauth-scopes'];
    if (header !== undefined) profile.scopes = splitScopes(header);
    return profile;
  },

  revokeByHandUrl(endpoints, clientId) {
    return `${originFor(endpoints.host)}/settings/connections/applications/${encodeURIComponent(clientId)}`;
  },

  async revoke(http: HttpClient, req: RevokeRequest) {
    if (!req.clientSecret) {
      throw usageError(`revoking a ${req.endpoints.host} token needs the OAuth app's client secret (OAUTHCLI_GITHUB_CLIENT_SECRET)`, 'no_client_secret');
    }
    // The REST API's Basic authentication (RFC 7617): client id and secret as username and password.
    const basic = Buffer.from(`${req.clientId}:${req.clientSecret}`).toString('base64');
    const res = await http.request({
      method: 'DELETE',
      url: `${req.endpoints.api}/applications/${encodeURIComponent(req.clientId)}/token`,
      headers: { ...GITHUB_API_HEADERS, authorization: `Basic ${basic}` },
      json: { access_token: req.tokens.accessToken },
      signal: req.signal,
      secrets: [req.tokens.accessToken, req.clientSecret, basic],
    });
    await res.dump();
    // 204: revoked. 404: already gone, or never issued to this app (a personal access token,
    // another app's): tokenWorks tells which.
    if (res.status === 204 || res.status === 404) return;
    if (res.status === 401) throw failure(`${req.endpoints.host} refused the OAuth app's client id and secret while revoking`, { code: 'revoke_failed' });
    throw failure(`${req.endpoints.host} answered HTTP ${res.status} while revoking the token`, { code: 'revoke_failed' });
  },

  // One GET /user: 401 once the token is revoked ("Troubleshooting the REST API": 401 for a
  // revoked or expired token, docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api).
  async tokenWorks(http, { endpoints, tokens, signal }) {
    const res = await http.request({
      url: `${endpoints.api}/user`,
      headers: { ...GITHUB_API_HEADERS, authorization: `Bearer ${tokens.accessToken}` },
      retry: true,
      signal,
      secrets: [tokens.accessToken],
    });
    await res.dump();
    if (res.status === 401) return false;
    if (res.status < 400) return true;
    throw failure(`${res.url.host} answered HTTP ${res.status}`, { code: `http_${res.status}` });
  },

  // The listing's modules (pagination, the page scanner) load only when a listing runs.
  async *listRepos(...args) {
    const { listGitHubRepos } = await import('./github-repos.js');
    yield* listGitHubRepos(...args);
  },

  restApi: { headers: GITHUB_API_HEADERS, perPage: true, responseTimeBudget: RESPONSE_TIME_BUDGET, missingScope },

  // Git over HTTPS takes the token as the password; any username will do, the login reads best
  // (docs.github.com, "Caching your GitHub credentials in Git").
  git: { username: (login) => login || 'x-access-token' },
};
