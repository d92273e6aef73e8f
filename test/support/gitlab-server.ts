/**
 * A local fake of GitLab (gitlab.com / self-managed layout) for end-to-end tests of oauthcli: the
 * OAuth endpoints here, the REST API in gitlab-rest.ts, the shared OAuth state in oauth-core.ts.
 * The CLI reaches it with `--hostname 127.0.0.1:PORT` (or the `publicHost`, through a proxy).
 *
 * OAuth: GitLab's Doorkeeper-based provider, https://docs.gitlab.com/api/oauth2/ (cited beside
 * each behaviour): /oauth/authorize, /oauth/token, /oauth/authorize_device (+ /oauth/device page),
 * /oauth/revoke, /oauth/token/info. Error bodies are Doorkeeper's RFC 6749 JSON.
 * Choices where GitLab's behaviour is undocumented or simplified are marked "CHOICE:".
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createReplies, escapeHtml, pkceChallenge, randomChars, randomHex as hex, startFakeHttp } from './fake-http.ts';
import type { Arrival, CommonRecordedHeaders, FaultSpec, PageDelay, Params, RecordedHttpRequest } from './fake-http.ts';
import { createGitLabRest, type FakeGitLabUser } from './gitlab-rest.ts';
import { DEVICE_CODE_GRANT, bearerToken, clientCredentials, consentPage, createAuthCodes, createDeviceFlow, createTokenStore, devicePageHtml, fakeOAuthServer, isLoopbackRedirect, optionSetter, splitScopes } from './oauth-core.ts';
import type { DeviceFlowUserOptions, FakeOAuthOptions, FakeOAuthServer, GrantType, OAuthGrantRecord, TokenRecord } from './oauth-core.ts';

export { pkceChallenge };
export type { FakeGitLabUser };

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------


/** Device defaults: interval 1 (GitLab: 5), expiresIn 300, pendingPolls 1, slowDownIncrement 0. */
export interface FakeGitLabOptions extends FakeOAuthOptions<FakeGitLabUser, DeviceFlowUserOptions> {
  /** Confidential application: client_secret required at the token endpoint, PKCE optional. Default false (public app). */
  confidential?: boolean | undefined;
  /**
   * The device authorization grant's availability, by version
   * (https://docs.gitlab.com/api/oauth2/#device-authorization-grant-flow, "History": introduced in
   * 17.2 behind the flag `oauth2_device_grant_flow`, enabled by default in 17.3, generally
   * available in 17.9, flag removed):
   * - true (default): 17.9 and later, or 17.3–17.8 with the flag on.
   * - false: before 17.2. /oauth/authorize_device is no route: POST gets Rails' 404 page
   *   (GitLab's catch-all route only takes GET; a GET of /oauth/device is sent to sign in), and
   *   the token endpoint answers the device grant with `unsupported_grant_type`.
   * - 'flag-off': 17.2–17.8 with the flag off. Oauth::DeviceCodesController#create does
   *   `return :not_found unless Feature.enabled?(:oauth2_device_grant_flow)` without rendering,
   *   so the answer is 204 No Content with an empty body (GitLab's own controller spec expects
   *   `:no_content`: spec/controllers/oauth/device_codes_controller_spec.rb).
   */
  deviceFlow?: boolean | 'flag-off' | undefined;
  /** Access token lifetime (seconds). GitLab: "expire after two hours (7200 seconds)". */
  tokenLifetime?: number | undefined;
  /** Scopes granted regardless of the request (space separated). */
  grantedScopes?: string | undefined;
  /** Which user clicks Authorize on the consent page (username). Default: first user. */
  webUser?: string | undefined;
  /** Extra delay for /api/v4/projects?page=N: milliseconds, or a promise the answer waits for. */
  pageDelay?: PageDelay | undefined;
  /**
   * Like GitLab for collections above 10,000 items: omit x-total, x-total-pages and rel="last".
   * Default: automatic (only above 10,000).
   */
  omitTotals?: boolean | undefined;
}

export interface ResolvedGitLabOptions {
  clientId: string;
  clientSecret: string;
  confidential: boolean;
  device: DeviceFlowUserOptions;
  deviceFlow: boolean | 'flag-off';
  tokenLifetime: number;
  grantedScopes?: string | undefined;
  webUser?: string | undefined;
  pageDelay?: PageDelay | undefined;
  latencyMs: number;
  omitTotals?: boolean | undefined;
}

export type GitLabRecordedRequest = RecordedHttpRequest<CommonRecordedHeaders & { 'private-token'?: string | undefined }>;

export interface GitLabGrantRecord extends OAuthGrantRecord {
  username: string;
  refresh_token: string;
}

export interface GitLabRevocationRecord {
  access_token: string;
  refresh_token: string;
  username: string;
  time: number;
  /** 'api' = /oauth/revoke, 'refresh' = rotated away by a refresh, 'reuse' = replayed authorization code, 'test' = revokeToken(). */
  via: 'api' | 'refresh' | 'reuse' | 'test';
}

export interface GitLabIssuedToken {
  access_token: string;
  refresh_token: string;
  /** Epoch ms. */
  expires_at: number;
  scope: string;
  created_at: number;
}

type GitLabTypes = { options: ResolvedGitLabOptions; patch: FakeGitLabOptions; user: FakeGitLabUser; request: GitLabRecordedRequest; grant: GitLabGrantRecord; revocation: GitLabRevocationRecord };

export interface FakeGitLab extends FakeOAuthServer<GitLabTypes> {
  /** Give `username` `count` member projects (ids/names deterministic). */
  setProjects(username: string, count: number): void;
  isRefreshTokenValid(token: string): boolean;
  issueToken(username?: string, opts?: { scopes?: string; expired?: boolean }): GitLabIssuedToken;
}

// ---------------------------------------------------------------------------
// Dialect
// ---------------------------------------------------------------------------

const DEFAULT_USER: FakeGitLabUser = { id: 4242, username: 'jdoe', name: 'Jane Doe', email: 'jdoe@example.com', public_email: '', created_at: '2019-03-15T09:12:45.123Z' };

// Doorkeeper's (en.yml) descriptions.
const DOORKEEPER_ERRORS: Record<string, string> = {
  invalid_request: 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  invalid_client: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_grant:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  unsupported_grant_type: 'The authorization grant type is not supported by the authorization server.',
  invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
  access_denied: 'The resource owner or authorization server denied the request.',
  authorization_pending: "The authorization request is still pending as the end user hasn't yet completed the user-interaction steps.",
  slow_down: 'The client is polling too frequently and should back off.',
  expired_token: 'The device_code has expired, and the device authorization session has concluded.',
  unauthorized_client: 'You are not authorized to revoke this token',
};

/** Scopes GitLab knows (a subset of those listed at https://docs.gitlab.com/integration/oauth_provider/). */
const KNOWN_SCOPES = new Set([
  'api', 'read_api', 'read_user', 'create_runner', 'manage_runner', 'k8s_proxy', 'read_repository', 'write_repository',
  'read_registry', 'write_registry', 'read_virtual_registry', 'write_virtual_registry', 'read_observability',
  'write_observability', 'ai_features', 'sudo', 'admin_mode', 'read_service_ping', 'openid', 'profile', 'email',
]);

/** GitLab's user codes: 8 characters without the look-alikes I, O, 0 and 1, no dash. */
const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

const parseScopes = (scope: string | undefined): string[] => splitScopes(scope, /[\s+]+/);

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

export async function startFakeGitLab(initial: FakeGitLabOptions = {}): Promise<FakeGitLab> {
  const defaults: Partial<ResolvedGitLabOptions> = { clientId: hex(32), clientSecret: 'gloas-' + hex(32), confidential: false, deviceFlow: true, tokenLifetime: 7200, latencyMs: 0 };
  const options = { device: { interval: 1, expiresIn: 300, pendingPolls: 1, outcome: 'approve', slowDownIncrement: 0, enforceInterval: true } } as ResolvedGitLabOptions;
  const users: FakeGitLabUser[] = (initial.users ?? [DEFAULT_USER]).map((u) => ({ ...u }));
  const grants: GitLabGrantRecord[] = [];
  const revocations: GitLabRevocationRecord[] = [];
  const projectCounts = new Map<string, number>();
  const devices = createDeviceFlow(() => options.device);
  const codes = createAuthCodes<Record<string, never>>();
  // A family is one access/refresh pair, as a Doorkeeper access token record.
  const store = createTokenStore((trigger, revoked, via) => {
    const access = revoked.find((t) => t.kind === 'access') ?? trigger;
    const refresh = revoked.find((t) => t.kind === 'refresh') ?? trigger;
    revocations.push({ access_token: access.token, refresh_token: refresh.token, username: trigger.subject, time: Date.now(), via: via as GitLabRevocationRecord['via'] });
  });

  const setOptions = optionSetter(options, defaults, users, initial);

  const findUser = (username: string | undefined): FakeGitLabUser => {
    const u = (username && users.find((x) => x.username === username)) || users[0];
    if (!u) throw new Error('fake GitLab has no users');
    return u;
  };

  // ---- tokens: 64 hex characters each, like GitLab's examples --------------------------

  function mint(username: string, scopes: string[], flow: string): { access: TokenRecord; refresh: TokenRecord } {
    const m = store.mint({ subject: username, clientId: options.clientId, scopes, flow, accessToken: hex(32), accessExpiresIn: options.tokenLifetime, refreshToken: hex(32) });
    return { access: m.access, refresh: m.refresh! };
  }

  function sendTokens(res: ServerResponse, grant_type: GrantType, secretSent: boolean, pkce: boolean, t: { access: TokenRecord; refresh: TokenRecord }): void {
    const { access, refresh } = t;
    const scope = access.scopes.join(' ');
    grants.push({ grant_type, username: access.subject, client_secret_sent: secretSent, pkce, time: Date.now(), access_token: access.token, refresh_token: refresh.token, scope });
    const expiresIn = Math.max(0, Math.round((access.expiresAt! - Date.now()) / 1000));
    sendJson(res, 200, { access_token: access.token, token_type: 'Bearer', expires_in: expiresIn, refresh_token: refresh.token, scope, created_at: Math.floor(access.createdAt / 1000) }, NO_STORE);
  }

  function grantScopes(requested: string[]): string[] {
    if (options.grantedScopes !== undefined) return parseScopes(options.grantedScopes);
    return requested.length ? requested : ['api'];
  }

  // ---- responses --------------------------------------------------------------------------

  let requestSeq = 0;
  const replies = createReplies({
    everyAnswer: () => ({
      'x-request-id': `01FAKE${(++requestSeq).toString(36).toUpperCase().padStart(20, '0')}`,
      'x-gitlab-meta': JSON.stringify({ correlation_id: hex(16), version: '1' }),
    }),
    jsonType: 'application/json',
    jsonHeaders: { 'cache-control': 'max-age=0, private, must-revalidate' },
    titleSuffix: ' · GitLab',
    // GitLab's bundled nginx gzips JSON for clients that accept it: `gzip on` with application/json
    // among its gzip_types and no gzip_min_length, so nginx's default of 20 bytes applies
    // (omnibus-gitlab files/gitlab-cookbooks/gitlab/templates/default/nginx.conf.erb;
    // https://nginx.org/en/docs/http/ngx_http_gzip_module.html#gzip_min_length).
    gzipFrom: 20,
  });
  const { send, sendJson, sendHtml, redirectWith } = replies;
  function oauthError(res: ServerResponse, status: number, error: string, description?: string, extraHeaders: Record<string, string> = {}): void {
    sendJson(res, status, { error, error_description: description ?? DOORKEEPER_ERRORS[error] ?? error }, { ...NO_STORE, ...extraHeaders });
  }
  /**
   * A path no route takes. GitLab's catch-all route (config/routes.rb: `get '*unmatched_route'`)
   * sends a signed-out GET to the sign-in page (ApplicationController#route_not_found); any other
   * method gets Rails' production 404 page (public/404.html).
   */
  const railsNotFound = (res: ServerResponse, method: string): void =>
    method === 'GET' ? replies.redirect(res, `${http.url}/users/sign_in`) : send(res, 404, `<!DOCTYPE html>\n<html>\n<head>\n  <title>The page you're looking for could not be found (404)</title>\n</head>\n<body>\n  <h1>404</h1>\n  <h2>Page not found</h2>\n  <p>Make sure the address is correct and the page has not moved.</p>\n</body>\n</html>\n`, { 'content-type': 'text/html; charset=utf-8' });

  /** Doorkeeper client authentication: HTTP Basic or body; a public app may send no secret. */
  function authenticateClient(req: IncomingMessage, params: Params): { ok: boolean; secretSent: boolean } {
    const c = clientCredentials(req, params);
    const secretSent = c.secret !== undefined && c.secret !== '';
    if (c.id !== options.clientId || (secretSent && c.secret !== options.clientSecret)) return { ok: false, secretSent };
    return { ok: secretSent || !options.confidential, secretSent };
  }

  // ---- routing ----------------------------------------------------------------------------

  const api = createGitLabRest({ replies, url: () => http.url, users, findUser, projectCounts, options, authenticate: apiAuth, sleep: (ms) => http.sleep(ms) });

  function route(req: IncomingMessage, res: ServerResponse, { mono, requestUrl: u, path, query, method, body }: Arrival): void {
    // Doorkeeper reads token-endpoint parameters from the body (and, leniently, the query).
    const params: Params = path.startsWith('/oauth/') ? { ...query, ...body } : body;
    if (method === 'GET' && path === '/oauth/authorize') return authorize(res, query);
    if (method === 'POST' && path === '/oauth/authorize') return authorizeDecision(res, body);
    if (method === 'POST' && path === '/oauth/token') return token(req, res, params, mono);
    if (options.deviceFlow !== false) {
      if (method === 'POST' && path === '/oauth/authorize_device') return authorizeDevice(req, res, params);
      if (method === 'GET' && path === '/oauth/device') return sendHtml(res, 200, 'Device authorization', devicePageHtml(DEVICE_PAGE, query.user_code));
      if (method === 'POST' && path === '/oauth/device') return deviceDecision(res, body);
    }
    if (method === 'POST' && path === '/oauth/revoke') return revokeEndpoint(req, res, params);
    if (method === 'GET' && path === '/oauth/token/info') return tokenInfo(req, res, query);
    if (path === '/api/v4' || path.startsWith('/api/v4/')) return api(req, res, method, path, query, u);
    railsNotFound(res, method);
  }

  // ---- authorization code with PKCE (https://docs.gitlab.com/api/oauth2/#authorization-code-with-proof-key-for-code-exchange-pkce)

  const CONSENT = { action: '/oauth/authorize', heading: 'Authorize oauthcli to use your account?', redirectLead: 'You will be redirected to', denyLabel: 'Deny', authorizeLabel: 'Authorize oauthcli' };

  function authorize(res: ServerResponse, q: Params): void {
    if (q.client_id !== options.clientId) {
      return sendHtml(res, 401, 'An error has occurred', `<h1>An error has occurred</h1>\n<p id="error">${escapeHtml(DOORKEEPER_ERRORS.invalid_client!)}</p>`);
    }
    // CHOICE: any http loopback redirect (RFC 8252; the app registers the port-less URI).
    if (!isLoopbackRedirect(q.redirect_uri)) {
      return sendHtml(res, 400, 'An error has occurred', '<h1>An error has occurred</h1>\n<p id="error">The redirect URI included is not valid.</p>');
    }
    const redirectUri = q.redirect_uri!;
    const err = (error: string, description: string): void => redirectWith(res, redirectUri, { error, error_description: description, ...(q.state !== undefined ? { state: q.state } : {}) });
    if (q.response_type !== 'code') return err('unsupported_response_type', 'The authorization server does not support this response type.');
    const scopes = parseScopes(q.scope);
    if (scopes.some((s) => !KNOWN_SCOPES.has(s))) return err('invalid_scope', DOORKEEPER_ERRORS.invalid_scope!);
    if (q.code_challenge === undefined) {
      // CHOICE: a public (non-confidential) application must use PKCE.
      if (!options.confidential) return err('invalid_request', 'The request is missing a required parameter: code_challenge.');
    } else {
      if ((q.code_challenge_method ?? 'plain') !== 'S256') return err('invalid_request', 'The code challenge method must be S256.');
      if (!/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge)) return err('invalid_request', 'The code_challenge is invalid.');
    }
    const ar = codes.begin({ client_id: q.client_id, redirect_uri: redirectUri, scopes, state: q.state, code_challenge: q.code_challenge, code_challenge_method: q.code_challenge_method, extra: {} });
    sendHtml(res, 200, 'Authorize application', consentPage(ar, findUser(options.webUser).username, grantScopes(scopes), CONSENT));
  }

  function authorizeDecision(res: ServerResponse, form: Params): void {
    const d = codes.decide(form);
    if (!d) return sendHtml(res, 422, 'The change you requested was rejected', '<p id="error">This authorization request is no longer valid.</p>');
    const { request, state } = d;
    if (!d.approved) return redirectWith(res, request.redirect_uri, { error: 'access_denied', error_description: DOORKEEPER_ERRORS.access_denied!, ...state });
    redirectWith(res, request.redirect_uri, { code: codes.grant(request, hex(32), findUser(options.webUser).username, grantScopes(request.scopes)).code, ...state });
  }

  // ---- token endpoint ---------------------------------------------------------------------

  function token(req: IncomingMessage, res: ServerResponse, p: Params, mono: number): void {
    const gt = p.grant_type;
    if (!gt) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: grant_type.');
    const grantTypes = ['authorization_code', 'refresh_token', ...(options.deviceFlow === false ? [] : [DEVICE_CODE_GRANT])];
    if (!grantTypes.includes(gt)) return oauthError(res, 400, 'unsupported_grant_type');
    const auth = authenticateClient(req, p);
    if (!auth.ok) return oauthError(res, 401, 'invalid_client', undefined, { 'www-authenticate': 'Bearer realm="Doorkeeper", error="invalid_client"' });
    if (gt === 'authorization_code') return codeExchange(res, p, auth.secretSent);
    if (gt === 'refresh_token') return refreshExchange(res, p, auth.secretSent);
    devicePoll(res, p, mono, auth.secretSent);
  }

  function codeExchange(res: ServerResponse, p: Params, secretSent: boolean): void {
    if (!p.code) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: code.');
    // "The redirect_uri must match the redirect_uri used in the original authorization request."
    const r = codes.redeem(p.code, options.clientId, p.redirect_uri, p.code_verifier);
    if (!r.ok) {
      // Doorkeeper: a replayed code revokes the tokens issued from it.
      const issued = r.reason === 'reused' ? [...store.tokens.values()].find((t) => t.family === r.code?.family) : undefined;
      if (issued) store.revoke(issued, 'reuse');
      return oauthError(res, 400, 'invalid_grant');
    }
    const t = mint(r.code.subject, r.code.scopes, 'authorization_code');
    r.code.family = t.access.family;
    sendTokens(res, 'authorization_code', secretSent, r.code.code_challenge !== undefined, t);
  }

  function refreshExchange(res: ServerResponse, p: Params, secretSent: boolean): void {
    if (!p.refresh_token) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: refresh_token.');
    // CHOICE: replaying a rotated refresh token only fails; the newer tokens stay valid.
    const check = store.checkRefresh(p.refresh_token, options.clientId);
    if (!check.ok) return oauthError(res, 400, 'invalid_grant');
    const old = check.rec;
    let scopes = old.scopes;
    if (p.scope) {
      const asked = parseScopes(p.scope);
      if (asked.some((s) => !old.scopes.includes(s))) return oauthError(res, 400, 'invalid_scope');
      scopes = asked;
    }
    // A refresh "Invalidates the existing access_token and refresh_token" and "Sends new tokens".
    old.used = true;
    store.revoke(old, 'refresh');
    sendTokens(res, 'refresh_token', secretSent, false, mint(old.subject, scopes, old.flow));
  }

  // ---- device authorization grant (https://docs.gitlab.com/api/oauth2/#device-authorization-grant-flow)

  const DEVICE_PAGE = { action: '/oauth/device', heading: 'Connect a device', label: 'Device ID', authorizeLabel: 'Authorize', denyLabel: 'Deny' };

  function authorizeDevice(req: IncomingMessage, res: ServerResponse, p: Params): void {
    if (options.deviceFlow === 'flag-off') return send(res, 204, '');
    if (!authenticateClient(req, p).ok) return oauthError(res, 401, 'invalid_client');
    const scopes = parseScopes(p.scope);
    if (scopes.some((s) => !KNOWN_SCOPES.has(s))) return oauthError(res, 400, 'invalid_scope');
    const d = options.device;
    const rec = devices.start({ device_code: hex(32), user_code: randomChars(USER_CODE_ALPHABET, 8), client_id: options.clientId, scopes: grantScopes(scopes), scope: p.scope });
    const verification = `${http.url}/oauth/device`;
    const body = { device_code: rec.device_code, user_code: rec.user_code, verification_uri: verification, verification_uri_complete: `${verification}?user_code=${rec.user_code}`, expires_in: d.expiresIn, interval: d.interval };
    sendJson(res, 200, body, { 'cache-control': 'no-store' });
  }

  function deviceDecision(res: ServerResponse, p: Params): void {
    const outcome = devices.submit(p.user_code, p.decision, findUser(options.device.user).username);
    const text = { invalid: '<p id="error">The code is invalid or has expired.</p>', denied: '<p id="result">The device was denied access.</p>', approved: '<p id="result">The device was successfully connected.</p>' };
    sendHtml(res, 200, 'Device authorization', text[outcome]);
  }

  function devicePoll(res: ServerResponse, p: Params, mono: number, secretSent: boolean): void {
    if (!p.device_code) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: device_code.');
    const rec = devices.get(p.device_code);
    if (!rec) return oauthError(res, 400, 'invalid_grant');
    // Doorkeeper answers every pending/slow_down/denied/expired poll with HTTP 400 (RFC 8628 §3.5).
    const polled = devices.poll(rec, mono, 'invalid_grant');
    if ('error' in polled) return oauthError(res, 400, polled.error);
    sendTokens(res, 'device_code', secretSent, false, mint(findUser(polled.approvedBy ?? options.device.user).username, rec.scopes, 'device_code'));
  }

  // ---- revoke / token info (https://docs.gitlab.com/api/oauth2/#revoke-a-token, #retrieve-the-token-information)

  function revokeEndpoint(req: IncomingMessage, res: ServerResponse, p: Params): void {
    if (!authenticateClient(req, p).ok) return oauthError(res, 401, 'invalid_client');
    if (!p.token) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: token.');
    const rec = store.find(p.token);
    if (rec && rec.clientId !== options.clientId) return oauthError(res, 403, 'unauthorized_client');
    // RFC 7009 §2.2: unknown or already invalid tokens also answer 200.
    if (rec) store.revoke(rec, 'api');
    sendJson(res, 200, {});
  }

  function tokenInfo(req: IncomingMessage, res: ServerResponse, q: Params): void {
    const st = store.accessState(bearerToken(req) ?? q.access_token);
    if (!st.ok) {
      const www = 'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"';
      return sendJson(res, 401, { error: 'invalid_token', error_description: 'The access token is invalid', state: 'unauthorized' }, { 'www-authenticate': www });
    }
    const t = st.rec;
    const expiresIn = Math.max(0, Math.round((t.expiresAt! - Date.now()) / 1000));
    const created = Math.floor(t.createdAt / 1000);
    sendJson(res, 200, { resource_owner_id: findUser(t.subject).id, scope: t.scopes, expires_in: expiresIn, application: { uid: t.clientId }, created_at: created, scopes: t.scopes, expires_in_seconds: expiresIn });
  }

  /** The API's token check: 401 for a missing/unknown/expired/revoked token, 403 insufficient_scope. */
  function apiAuth(req: IncomingMessage, res: ServerResponse, needed: string[]): string | undefined {
    const st = store.accessState(bearerToken(req));
    if (!st.ok) {
      if (st.reason === 'missing' || st.reason === 'unknown') {
        sendJson(res, 401, { message: '401 Unauthorized' });
      } else {
        const description = st.reason === 'expired' ? 'Token is expired. You can either do re-authorization or token refresh.' : 'Token was revoked. You will have to re-authorize from the user.';
        const www = `Bearer realm="Protected by OAuth 2.0", error="invalid_token", error_description="${description}"`;
        sendJson(res, 401, { error: 'invalid_token', error_description: description }, { 'www-authenticate': www });
      }
      return undefined;
    }
    if (!st.rec.scopes.some((s) => needed.includes(s))) {
      const description = 'The request requires higher privileges than provided by the access token.';
      const www = `Bearer realm="Protected by OAuth 2.0", error="insufficient_scope", error_description="${description}", scope="${needed.join(' ')}"`;
      sendJson(res, 403, { error: 'insufficient_scope', error_description: description, scope: needed.join(' ') }, { 'www-authenticate': www });
      return undefined;
    }
    return st.rec.subject;
  }

  // ---- http server ----------------------------------------------------------------------------

  const internalError = (err: unknown): unknown => ({ message: `500 Internal Server Error: ${String(err)}` });
  const http = await startFakeHttp<GitLabRecordedRequest['headers']>({ tls: initial.tls, publicHost: initial.publicHost, replies, recordHeaders: ['private-token'], latencyMs: () => options.latencyMs, route, internalError });

  return {
    ...fakeOAuthServer<GitLabTypes>({ http, decisionPath: '/oauth/authorize', options, users, requests: http.requests, grants, revocations, devices, store, setOptions, userKey: (username) => findUser(username).username, approver: () => options.device.user }),
    setProjects: (username, count) => void projectCounts.set(username, count),
    isRefreshTokenValid: (t) => store.checkRefresh(t, store.find(t)?.clientId).ok,
    issueToken(username, o = {}) {
      const user = findUser(username);
      if (username && user.username !== username) throw new Error(`unknown user ${username}`);
      const { access, refresh } = mint(user.username, parseScopes(o.scopes ?? 'read_user read_api'), 'test');
      if (o.expired) access.expiresAt = Date.now() - 60_000;
      return { access_token: access.token, refresh_token: refresh.token, expires_at: access.expiresAt!, scope: access.scopes.join(' '), created_at: Math.floor(access.createdAt / 1000) };
    },
  };
}

/**
 * A fault answering like GitLab's rate limiter: 429, the default response text `Retry later`, RateLimit-* and
 * Retry-After headers (https://docs.gitlab.com/administration/settings/user_and_ip_rate_limits/).
 */
export function gitlabRateLimitFault(opts: { retryAfter?: number; times?: number } = {}): FaultSpec {
  const retry = opts.retryAfter ?? 1;
  return {
    status: 429,
    times: opts.times,
    body: 'Retry later\n',
    headers: {
      'retry-after': String(retry),
      'ratelimit-name': 'throttle_authenticated_api',
      'ratelimit-limit': '2000',
      'ratelimit-observed': '2001',
      'ratelimit-remaining': '0',
      'ratelimit-reset': String(Math.floor(Date.now() / 1000) + retry),
      'ratelimit-resettime': new Date(Date.now() + retry * 1000).toUTCString(),
    },
  };
}
