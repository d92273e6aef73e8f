// GitHub and GitHub Enterprise Server. Quirks kept here:
// - OAuth endpoints answer form-encoded unless asked for JSON, and answer errors with HTTP 200
//   (the token-endpoint reader treats an `error` field as an error whatever the status);
// - scopes are comma-separated and the granted ones come back in the X-OAuth-Scopes header;
// - github.com's API lives on another host (api.github.com); GHES serves it under /api/v3;
// - revocation is not RFC 7009 but DELETE /applications/{client_id}/token with Basic auth.
import type { HttpClient } from '../http/client.js';
import { originFor } from '../http/loopback.js';
import { failure } from '../errors.js';
import { getWithToken } from './api.js';
import { splitScopes } from '../oauth/token-set.js';
import { listGitHubRepos } from './github-repos.js';
import type { Profile, Provider, RevokeRequest } from './types.js';

export const API_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };

export const github: Provider = {
  name: 'github',
  displayName: 'GitHub',
  defaultHost: 'github.com',
  multiHost: true,
  defaultScopes: ['read:user', 'repo'],
  scopeSeparator: ',',
  envName: 'GITHUB',
  webFlowNeedsSecret: true,
  // Device-flow tokens refresh without the secret; it is sent only where GitHub requires it.
  secretOnEveryTokenRequest: false,
  oauthHeaders: { accept: 'application/json' },
  openIdConnect: false,

  registerAppHelp(host) {
    return (
      `Register an OAuth app at ${originFor(host)}/settings/applications/new ` +
      '(tick "Enable Device Flow"; callback URL http://127.0.0.1/callback), ' +
      'then set OAUTHCLI_GITHUB_CLIENT_ID to its client id.'
    );
  },

  async endpoints(host) {
    const origin = originFor(host);
    const api = host === 'github.com' ? 'https://api.github.com' : `${origin}/api/v3`;
    return {
      host,
      deviceAuthorization: `${origin}/login/device/code`,
      token: `${origin}/login/oauth/access_token`,
      authorize: `${origin}/login/oauth/authorize`,
      api,
      issuer: `${origin}/login/oauth`,
      clientAuthMethod: 'client_secret_post',
    };
  },

  async fetchProfile(http, { endpoints, tokens, signal }) {
    const { body: user, res } = await getWithToken<Record<string, unknown>>(http, `${endpoints.api}/user`, tokens.accessToken, { headers: API_HEADERS, signal });
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
      throw failure(`revoking a ${req.endpoints.host} token needs the OAuth app's client secret (OAUTHCLI_GITHUB_CLIENT_SECRET)`, {
        code: 'no_client_secret',
      });
    }
    const basic = Buffer.from(`${req.clientId}:${req.clientSecret}`).toString('base64');
    const res = await http.request({
      method: 'DELETE',
      url: `${req.endpoints.api}/applications/${encodeURIComponent(req.clientId)}/token`,
      headers: { ...API_HEADERS, authorization: `Basic ${basic}` },
      json: { access_token: req.tokens.accessToken },
      signal: req.signal,
      secrets: [req.tokens.accessToken, req.clientSecret, basic],
    });
    await res.dump();
    // 204: revoked; 404: the token was already gone, which is what we wanted.
    if (res.status === 204 || res.status === 404) return;
    if (res.status === 401) throw failure(`${req.endpoints.host} refused the OAuth app's client id and secret while revoking`, { code: 'revoke_failed' });
    throw failure(`${req.endpoints.host} answered HTTP ${res.status} while revoking the token`, { code: 'revoke_failed' });
  },

  listRepos: listGitHubRepos,
};
