/**
 * A local fake of GitLab (gitlab.com / self-managed layout) for end-to-end tests of oauthcli.
 * The CLI reaches it with `--hostname 127.0.0.1:PORT`.
 *
 * OAuth: GitLab's Doorkeeper-based provider (https://docs.gitlab.com/api/oauth2/):
 *   /oauth/authorize, /oauth/token, /oauth/authorize_device (+ /oauth/device page), /oauth/revoke,
 *   /oauth/token/info. Error bodies are Doorkeeper's RFC 6749 JSON.
 * REST: /api/v4/user, /api/v4/projects (offset pagination with x-* headers and Link).
 *
 * Choices where GitLab's behaviour is undocumented or simplified are marked "CHOICE:".
 * Only node builtins are used (HTTP plumbing shared with the other fakes in fake-http.ts).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  consentPageHtml,
  createReplies,
  escapeHtml,
  latestPendingDevice,
  pkceChallenge,
  randomChars,
  randomHex as hex,
  simulateBrowser,
  startFakeHttp,
} from './fake-http.js';
import type { Arrival, FakeServerControls, FaultSpec, Params, RecordedHttpRequest, SimulatedBrowserResult } from './fake-http.js';

export { pkceChallenge };

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

export const GITLAB_DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface FakeGitLabUser {
  id: number;
  username: string;
  name?: string | undefined;
  email?: string | undefined;
  /** Shown as public_email (GitLab: empty string when not set). */
  public_email?: string | undefined;
  state?: 'active' | 'blocked' | undefined;
  created_at?: string | undefined;
  bot?: boolean | undefined;
}

export type GitLabDeviceOutcome = 'approve' | 'access_denied' | 'expired_token' | 'manual';

export interface GitLabDeviceOptions {
  /** `interval` (seconds). GitLab sends 5; default 1. */
  interval: number;
  /** `expires_in` (seconds). GitLab sends 300. */
  expiresIn: number;
  /** Polls answered `authorization_pending` before the outcome. Default 1. */
  pendingPolls: number;
  outcome: GitLabDeviceOutcome;
  /** Which user approves (username). Default: first user. */
  user?: string | undefined;
  /** 1-based poll number that answers `slow_down`. */
  slowDownOnPoll?: number | undefined;
  /** Early polls (sooner than interval after the previous) → `slow_down` + recorded. Default true. */
  enforceInterval: boolean;
}

export interface FakeGitLabOptions {
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  /** Confidential application: client_secret required at the token endpoint, PKCE optional. Default false (public app). */
  confidential?: boolean | undefined;
  users?: FakeGitLabUser[] | undefined;
  device?: Partial<GitLabDeviceOptions> | undefined;
  /** Access token lifetime (seconds). GitLab: 7200. */
  tokenLifetime?: number | undefined;
  /** Scopes granted regardless of the request (space separated). */
  grantedScopes?: string | undefined;
  /** Which user clicks Authorize on the consent page (username). Default: first user. */
  webUser?: string | undefined;
  /** Extra delay (ms) for /api/v4/projects?page=N. */
  pageDelay?: ((page: number) => number) | undefined;
  /** Added to every request (ms). */
  latencyMs?: number | undefined;
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
  device: GitLabDeviceOptions;
  tokenLifetime: number;
  grantedScopes?: string | undefined;
  webUser?: string | undefined;
  pageDelay?: ((page: number) => number) | undefined;
  latencyMs: number;
  omitTotals?: boolean | undefined;
}

export type GitLabRecordedRequest = RecordedHttpRequest<{
  accept?: string | undefined;
  'content-type'?: string | undefined;
  'user-agent'?: string | undefined;
  authorization?: string | undefined;
  'private-token'?: string | undefined;
}>;

export type GitLabGrantType = 'authorization_code' | 'refresh_token' | 'device_code';

export interface GitLabGrantRecord {
  grant_type: GitLabGrantType;
  username: string;
  client_secret_sent: boolean;
  pkce: boolean;
  time: number;
  access_token: string;
  refresh_token: string;
  scope: string;
}

export interface GitLabRevocationRecord {
  access_token: string;
  refresh_token: string;
  username: string;
  time: number;
  /** 'api' = /oauth/revoke, 'refresh' = rotated away by a refresh, 'reuse' = replayed refresh token, 'test' = revokeToken(). */
  via: 'api' | 'refresh' | 'reuse' | 'test';
}

export interface GitLabEarlyPoll {
  device_code: string;
  time: number;
  elapsedMs: number;
  requiredMs: number;
}

export interface GitLabDeviceCodeRecord {
  device_code: string;
  user_code: string;
  client_id: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number;
  interval: number;
  polls: Array<{ time: number; result: string }>;
  status: 'pending' | 'approved' | 'denied' | 'consumed';
  approvedUser?: string | undefined;
  /** internal */
  lastPollMono?: number | undefined;
  /** internal */
  pendingAnswered: number;
}

export type GitLabFaultSpec = FaultSpec;

export interface GitLabIssuedToken {
  access_token: string;
  refresh_token: string;
  /** Epoch ms. */
  expires_at: number;
  scope: string;
  created_at: number;
}

export type GitLabSimulatedBrowserResult = SimulatedBrowserResult;

export interface FakeGitLab extends FakeServerControls {
  readonly options: ResolvedGitLabOptions;
  readonly users: FakeGitLabUser[];
  readonly requests: GitLabRecordedRequest[];
  readonly grants: GitLabGrantRecord[];
  readonly revocations: GitLabRevocationRecord[];
  readonly earlyPolls: GitLabEarlyPoll[];
  readonly deviceCodes: GitLabDeviceCodeRecord[];

  setOptions(patch: FakeGitLabOptions): void;
  setDevice(patch: Partial<GitLabDeviceOptions>): void;
  addUser(user: FakeGitLabUser): void;
  /** Give `username` `count` member projects (ids/names deterministic). */
  setProjects(username: string, count: number): void;
  approveDevice(username?: string, userCode?: string): void;
  denyDevice(userCode?: string): void;


  isTokenValid(token: string): boolean;
  isRefreshTokenValid(token: string): boolean;
  issueToken(username?: string, opts?: { scopes?: string; expired?: boolean }): GitLabIssuedToken;
  expireToken(accessToken: string): void;
  revokeToken(token: string): void;
  validTokens(username?: string): string[];
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const DEFAULT_USER: FakeGitLabUser = {
  id: 4242,
  username: 'jdoe',
  name: 'Jane Doe',
  email: 'jdoe@example.com',
  public_email: '',
  created_at: '2019-03-15T09:12:45.123Z',
};

const DOORKEEPER_ERRORS: Record<string, string> = {
  invalid_request: 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  invalid_client:
    'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
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

/** Scopes GitLab knows (a subset). */
const KNOWN_SCOPES = new Set([
  'api', 'read_api', 'read_user', 'create_runner', 'manage_runner', 'k8s_proxy', 'read_repository', 'write_repository',
  'read_registry', 'write_registry', 'read_virtual_registry', 'write_virtual_registry', 'read_observability',
  'write_observability', 'ai_features', 'sudo', 'admin_mode', 'read_service_ping', 'openid', 'profile', 'email',
]);

/** GitLab's user codes: 8 characters without the look-alikes I, O, 0 and 1, no dash. */
const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function parseScopes(scope: string | undefined): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(/[\s+]+/).filter(Boolean))];
}

const PROJECT_EPOCH = Date.UTC(2023, 0, 2, 10, 0, 0);
const TOPICS = [['cli'], [], ['oauth', 'security'], ['typescript'], []];

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

interface TokenPair {
  access_token: string;
  refresh_token: string;
  username: string;
  clientId: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number;
  revoked: boolean;
  /** Refresh token already exchanged. */
  refreshed: boolean;
}

interface AuthorizeRequest {
  id: string;
  client_id: string;
  redirect_uri: string;
  scopes: string[];
  state?: string | undefined;
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
}

interface AuthCode {
  code: string;
  client_id: string;
  redirect_uri: string;
  scopes: string[];
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
  username: string;
  expiresAt: number;
  used: boolean;
  /** Tokens issued from it (revoked when the code is replayed, like Doorkeeper). */
  issued?: TokenPair | undefined;
}

interface ProjectRow {
  owner: FakeGitLabUser;
  i: number;
  id: number;
  name: string;
  path: string;
  visibility: 'private' | 'internal' | 'public';
  created: number;
  lastActivity: number;
  updated: number;
  stars: number;
}

export async function startFakeGitLab(initial: FakeGitLabOptions = {}): Promise<FakeGitLab> {
  const options: ResolvedGitLabOptions = {
    clientId: hex(32),
    clientSecret: 'gloas-' + hex(32),
    confidential: false,
    device: { interval: 1, expiresIn: 300, pendingPolls: 1, outcome: 'approve', enforceInterval: true },
    tokenLifetime: 7200,
    latencyMs: 0,
  };
  const users: FakeGitLabUser[] = initial.users ? initial.users.map((u) => ({ ...u })) : [{ ...DEFAULT_USER }];
  const grants: GitLabGrantRecord[] = [];
  const revocations: GitLabRevocationRecord[] = [];
  const earlyPolls: GitLabEarlyPoll[] = [];
  const deviceCodes: GitLabDeviceCodeRecord[] = [];
  const deviceByCode = new Map<string, GitLabDeviceCodeRecord>();
  const byAccess = new Map<string, TokenPair>();
  const byRefresh = new Map<string, TokenPair>();
  const pendingAuth = new Map<string, AuthorizeRequest>();
  const authCodes = new Map<string, AuthCode>();
  const projectCounts = new Map<string, number>();

  function setOptions(patch: FakeGitLabOptions): void {
    const { device, users: newUsers, ...rest } = patch;
    for (const [k, v] of Object.entries(rest)) {
      if (v === undefined && ['clientId', 'clientSecret', 'confidential', 'tokenLifetime', 'latencyMs'].includes(k)) continue;
      (options as unknown as Record<string, unknown>)[k] = v;
    }
    if (device) Object.assign(options.device, device);
    if (newUsers) users.splice(0, users.length, ...newUsers.map((u) => ({ ...u })));
  }
  setOptions({ ...initial, users: undefined });

  const findUser = (username: string | undefined): FakeGitLabUser => {
    const u = (username && users.find((x) => x.username === username)) || users[0];
    if (!u) throw new Error('fake GitLab has no users');
    return u;
  };

  // ---- tokens -------------------------------------------------------------------------

  function mint(username: string, clientId: string, scopes: string[], now = Date.now()): TokenPair {
    const pair: TokenPair = {
      access_token: hex(32),
      refresh_token: hex(32),
      username,
      clientId,
      scopes,
      createdAt: now,
      expiresAt: now + options.tokenLifetime * 1000,
      revoked: false,
      refreshed: false,
    };
    byAccess.set(pair.access_token, pair);
    byRefresh.set(pair.refresh_token, pair);
    return pair;
  }

  function tokenJson(p: TokenPair): Record<string, string | number> {
    return {
      access_token: p.access_token,
      token_type: 'Bearer',
      expires_in: Math.max(0, Math.round((p.expiresAt - Date.now()) / 1000)),
      refresh_token: p.refresh_token,
      scope: p.scopes.join(' '),
      created_at: Math.floor(p.createdAt / 1000),
    };
  }

  function revoke(p: TokenPair, via: GitLabRevocationRecord['via']): void {
    if (p.revoked) return;
    p.revoked = true;
    revocations.push({ access_token: p.access_token, refresh_token: p.refresh_token, username: p.username, time: Date.now(), via });
  }

  type AccessState = { ok: true; pair: TokenPair } | { ok: false; reason: 'missing' | 'unknown' | 'expired' | 'revoked' };
  function accessState(token: string | undefined): AccessState {
    if (!token) return { ok: false, reason: 'missing' };
    const p = byAccess.get(token);
    if (!p) return { ok: false, reason: 'unknown' };
    if (p.revoked) return { ok: false, reason: 'revoked' };
    if (p.expiresAt <= Date.now()) return { ok: false, reason: 'expired' };
    return { ok: true, pair: p };
  }

  function grantScopes(requested: string[]): string[] {
    if (options.grantedScopes !== undefined) return parseScopes(options.grantedScopes);
    return requested.length ? requested : ['api'];
  }

  // ---- responses ----------------------------------------------------------------------

  let requestSeq = 0;
  const replies = createReplies({
    everyAnswer: () => ({
      'x-request-id': `01FAKE${(++requestSeq).toString(36).toUpperCase().padStart(20, '0')}`,
      'x-gitlab-meta': JSON.stringify({ correlation_id: hex(16), version: '1' }),
    }),
    jsonType: 'application/json',
    jsonHeaders: { 'cache-control': 'max-age=0, private, must-revalidate' },
    titleSuffix: ' · GitLab',
  });
  const { send, sendJson, sendHtml, redirectWith } = replies;
  function oauthError(res: ServerResponse, status: number, error: string, description?: string, extraHeaders: Record<string, string> = {}): void {
    sendJson(res, status, { error, error_description: description ?? DOORKEEPER_ERRORS[error] ?? error }, { 'cache-control': 'no-store', pragma: 'no-cache', ...extraHeaders });
  }

  /** Client credentials from HTTP Basic or the body (Doorkeeper accepts both). */
  function clientCredentials(req: IncomingMessage, params: Params): { id?: string | undefined; secret?: string | undefined } {
    const m = /^basic\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    if (m) {
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      if (sep >= 0) return { id: decodeURIComponent(decoded.slice(0, sep)), secret: decodeURIComponent(decoded.slice(sep + 1)) };
    }
    return { id: params.client_id, secret: params.client_secret };
  }

  /** Doorkeeper client authentication. Returns an error code or undefined when OK. */
  function authenticateClient(req: IncomingMessage, params: Params): { ok: boolean; secretSent: boolean } {
    const c = clientCredentials(req, params);
    if (c.id !== options.clientId) return { ok: false, secretSent: c.secret !== undefined };
    if (c.secret !== undefined && c.secret !== '' && c.secret !== options.clientSecret) return { ok: false, secretSent: true };
    if (options.confidential && (c.secret === undefined || c.secret === '')) return { ok: false, secretSent: false };
    return { ok: true, secretSent: c.secret !== undefined && c.secret !== '' };
  }

  // ---- routing ------------------------------------------------------------------------

  function route(req: IncomingMessage, res: ServerResponse, { mono, requestUrl: u, path, query, method, body }: Arrival): void {
    // Doorkeeper reads token-endpoint parameters from the body (and, leniently, the query).
    const params: Params = path.startsWith('/oauth/') ? { ...query, ...body } : body;

    if (method === 'GET' && path === '/oauth/authorize') return authorize(res, query);
    if (method === 'POST' && path === '/oauth/authorize') return authorizeDecision(res, body);
    if (method === 'POST' && path === '/oauth/token') return token(req, res, params, mono);
    if (method === 'POST' && path === '/oauth/authorize_device') return authorizeDevice(req, res, params);
    if (method === 'GET' && path === '/oauth/device') return devicePage(res, query);
    if (method === 'POST' && path === '/oauth/device') return deviceDecision(res, body);
    if (method === 'POST' && path === '/oauth/revoke') return revokeEndpoint(req, res, params);
    if (method === 'GET' && path === '/oauth/token/info') return tokenInfo(req, res, query);
    if (path === '/api/v4' || path.startsWith('/api/v4/')) return api(req, res, method, path, query, u);
    if (path.startsWith('/oauth/')) return sendHtml(res, 404, 'Not Found', '<h1>404</h1><p>Page Not Found</p>');
    sendHtml(res, 404, 'Not Found', '<h1>404</h1><p>Page Not Found</p>');
  }

  // ---- authorization endpoint ---------------------------------------------------------

  function validLoopback(redirectUri: string | undefined): boolean {
    if (!redirectUri) return false;
    try {
      const r = new URL(redirectUri);
      // CHOICE: any http://127.0.0.1:PORT/… (RFC 8252 loopback; the app registers the port-less URI).
      return r.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(r.hostname) && !r.hash && !r.username;
    } catch {
      return false;
    }
  }

  function authorize(res: ServerResponse, q: Params): void {
    if (q.client_id !== options.clientId) {
      return sendHtml(res, 401, 'An error has occurred', `<h1>An error has occurred</h1>\n<p id="error">${escapeHtml(DOORKEEPER_ERRORS.invalid_client!)}</p>`);
    }
    if (!validLoopback(q.redirect_uri)) {
      return sendHtml(res, 400, 'An error has occurred', '<h1>An error has occurred</h1>\n<p id="error">The redirect URI included is not valid.</p>');
    }
    const redirectUri = q.redirect_uri!;
    const stateParam: Params = q.state !== undefined ? { state: q.state } : {};
    const err = (error: string, description: string) => redirectWith(res, redirectUri, { error, error_description: description, ...stateParam });
    if (q.response_type !== 'code') return err('unsupported_response_type', 'The authorization server does not support this response type.');
    const scopes = parseScopes(q.scope);
    const unknown = scopes.filter((s) => !KNOWN_SCOPES.has(s));
    if (unknown.length) return err('invalid_scope', `${DOORKEEPER_ERRORS.invalid_scope}`);
    if (q.code_challenge === undefined) {
      if (!options.confidential) return err('invalid_request', 'The request is missing a required parameter: code_challenge.');
    } else {
      if ((q.code_challenge_method ?? 'plain') !== 'S256') return err('invalid_request', 'The code challenge method must be S256.');
      if (!/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge)) return err('invalid_request', 'The code_challenge is invalid.');
    }
    const ar: AuthorizeRequest = {
      id: hex(16),
      client_id: q.client_id!,
      redirect_uri: redirectUri,
      scopes,
      state: q.state,
      code_challenge: q.code_challenge,
      code_challenge_method: q.code_challenge_method,
    };
    pendingAuth.set(ar.id, ar);
    const user = findUser(options.webUser);
    sendHtml(
      res,
      200,
      'Authorize application',
      consentPageHtml({
        action: '/oauth/authorize',
        requestId: ar.id,
        heading: 'Authorize oauthcli to use your account?',
        login: user.username,
        scopes: grantScopes(scopes),
        redirectLead: 'You will be redirected to',
        redirectUri,
        denyLabel: 'Deny',
        authorizeLabel: 'Authorize oauthcli',
      }),
    );
  }

  function authorizeDecision(res: ServerResponse, p: Params): void {
    const ar = p.request_id ? pendingAuth.get(p.request_id) : undefined;
    if (!ar) return sendHtml(res, 422, 'The change you requested was rejected', '<p id="error">This authorization request is no longer valid.</p>');
    pendingAuth.delete(ar.id);
    const stateParam: Params = ar.state !== undefined ? { state: ar.state } : {};
    if (p.decision !== 'authorize') {
      return redirectWith(res, ar.redirect_uri, { error: 'access_denied', error_description: DOORKEEPER_ERRORS.access_denied!, ...stateParam });
    }
    const code: AuthCode = {
      code: hex(32),
      client_id: ar.client_id,
      redirect_uri: ar.redirect_uri,
      scopes: grantScopes(ar.scopes),
      code_challenge: ar.code_challenge,
      code_challenge_method: ar.code_challenge_method,
      username: findUser(options.webUser).username,
      expiresAt: Date.now() + 10 * 60 * 1000,
      used: false,
    };
    authCodes.set(code.code, code);
    redirectWith(res, ar.redirect_uri, { code: code.code, ...stateParam });
  }

  // ---- token endpoint -----------------------------------------------------------------

  function token(req: IncomingMessage, res: ServerResponse, p: Params, mono: number): void {
    const gt = p.grant_type;
    if (!gt) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: grant_type.');
    if (!['authorization_code', 'refresh_token', GITLAB_DEVICE_GRANT].includes(gt)) return oauthError(res, 400, 'unsupported_grant_type');
    const auth = authenticateClient(req, p);
    if (!auth.ok) return oauthError(res, 401, 'invalid_client', undefined, { 'www-authenticate': 'Bearer realm="Doorkeeper", error="invalid_client"' });
    if (gt === 'authorization_code') return codeExchange(res, p, auth.secretSent);
    if (gt === 'refresh_token') return refreshExchange(res, p, auth.secretSent);
    return devicePoll(res, p, mono, auth.secretSent);
  }

  function codeExchange(res: ServerResponse, p: Params, secretSent: boolean): void {
    if (!p.code) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: code.');
    const rec = authCodes.get(p.code);
    const now = Date.now();
    if (!rec || rec.client_id !== options.clientId || rec.expiresAt <= now) return oauthError(res, 400, 'invalid_grant');
    if (rec.used) {
      // Doorkeeper: a replayed code revokes the tokens issued from it.
      if (rec.issued) revoke(rec.issued, 'reuse');
      return oauthError(res, 400, 'invalid_grant');
    }
    if (p.redirect_uri !== rec.redirect_uri) return oauthError(res, 400, 'invalid_grant');
    if (rec.code_challenge !== undefined) {
      if (!p.code_verifier || pkceChallenge(p.code_verifier) !== rec.code_challenge) return oauthError(res, 400, 'invalid_grant');
    }
    rec.used = true;
    const pair = mint(rec.username, rec.client_id, rec.scopes, now);
    rec.issued = pair;
    grants.push({ grant_type: 'authorization_code', username: rec.username, client_secret_sent: secretSent, pkce: rec.code_challenge !== undefined, time: now, access_token: pair.access_token, refresh_token: pair.refresh_token, scope: pair.scopes.join(' ') });
    sendJson(res, 200, tokenJson(pair), { 'cache-control': 'no-store', pragma: 'no-cache' });
  }

  function refreshExchange(res: ServerResponse, p: Params, secretSent: boolean): void {
    if (!p.refresh_token) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: refresh_token.');
    const old = byRefresh.get(p.refresh_token);
    if (!old || old.clientId !== options.clientId) return oauthError(res, 400, 'invalid_grant');
    if (old.refreshed || old.revoked) {
      // CHOICE: replaying a rotated refresh token only fails; the newer tokens stay valid.
      return oauthError(res, 400, 'invalid_grant');
    }
    let scopes = old.scopes;
    if (p.scope) {
      const asked = parseScopes(p.scope);
      if (asked.some((s) => !old.scopes.includes(s))) return oauthError(res, 400, 'invalid_scope');
      scopes = asked;
    }
    const now = Date.now();
    old.refreshed = true;
    // GitLab rotates: the old refresh token AND its access token are revoked (Doorkeeper revokes the old record).
    revoke(old, 'refresh');
    const pair = mint(old.username, old.clientId, scopes, now);
    grants.push({ grant_type: 'refresh_token', username: old.username, client_secret_sent: secretSent, pkce: false, time: now, access_token: pair.access_token, refresh_token: pair.refresh_token, scope: pair.scopes.join(' ') });
    sendJson(res, 200, tokenJson(pair), { 'cache-control': 'no-store', pragma: 'no-cache' });
  }

  // ---- device flow --------------------------------------------------------------------

  function authorizeDevice(req: IncomingMessage, res: ServerResponse, p: Params): void {
    const auth = authenticateClient(req, p);
    if (!auth.ok) return oauthError(res, 401, 'invalid_client');
    const scopes = parseScopes(p.scope);
    if (scopes.some((s) => !KNOWN_SCOPES.has(s))) return oauthError(res, 400, 'invalid_scope');
    const now = Date.now();
    const d = options.device;
    const rec: GitLabDeviceCodeRecord = {
      device_code: hex(32),
      user_code: randomChars(USER_CODE_ALPHABET, 8),
      client_id: options.clientId,
      scopes: grantScopes(scopes),
      createdAt: now,
      expiresAt: now + d.expiresIn * 1000,
      interval: d.interval,
      polls: [],
      status: 'pending',
      pendingAnswered: 0,
    };
    deviceCodes.push(rec);
    deviceByCode.set(rec.device_code, rec);
    sendJson(res, 200, {
      device_code: rec.device_code,
      user_code: rec.user_code,
      verification_uri: `${url}/oauth/device`,
      verification_uri_complete: `${url}/oauth/device?user_code=${rec.user_code}`,
      expires_in: d.expiresIn,
      interval: d.interval,
    }, { 'cache-control': 'no-store' });
  }

  function devicePage(res: ServerResponse, q: Params): void {
    sendHtml(
      res,
      200,
      'Device authorization',
      `<h1>Connect a device</h1>
<form method="post" action="/oauth/device">
  <label>Device ID <input name="user_code" value="${escapeHtml(q.user_code ?? '')}"></label>
  <button id="authorize" name="decision" value="authorize" type="submit">Authorize</button>
  <button id="deny" name="decision" value="deny" type="submit">Deny</button>
</form>`,
    );
  }

  function deviceDecision(res: ServerResponse, p: Params): void {
    const code = (p.user_code ?? '').toUpperCase().trim();
    const rec = deviceCodes.find((d) => d.user_code === code);
    if (!rec || rec.status !== 'pending' || rec.expiresAt <= Date.now()) {
      return sendHtml(res, 200, 'Device authorization', '<p id="error">The code is invalid or has expired.</p>');
    }
    if (p.decision === 'deny') {
      rec.status = 'denied';
      return sendHtml(res, 200, 'Device authorization', '<p id="result">The device was denied access.</p>');
    }
    rec.status = 'approved';
    rec.approvedUser = findUser(options.device.user).username;
    sendHtml(res, 200, 'Device authorization', '<p id="result">The device was successfully connected.</p>');
  }

  function devicePoll(res: ServerResponse, p: Params, mono: number, secretSent: boolean): void {
    const now = Date.now();
    if (!p.device_code) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: device_code.');
    const rec = deviceByCode.get(p.device_code);
    if (!rec) return oauthError(res, 400, 'invalid_grant');
    const answer = (error: string): void => {
      rec.polls.push({ time: now, result: error });
      oauthError(res, 400, error);
    };
    const d = options.device;
    const pollNo = rec.polls.length + 1;
    const last = rec.lastPollMono;
    rec.lastPollMono = mono;
    if (rec.status === 'consumed') return answer('invalid_grant');
    if (now >= rec.expiresAt) return answer('expired_token');
    if (d.enforceInterval && last !== undefined && mono - last < rec.interval * 1000) {
      earlyPolls.push({ device_code: rec.device_code, time: now, elapsedMs: mono - last, requiredMs: rec.interval * 1000 });
      return answer('slow_down');
    }
    if (d.slowDownOnPoll !== undefined && pollNo === d.slowDownOnPoll) return answer('slow_down');
    if (rec.status === 'denied') return answer('access_denied');
    if (rec.status === 'pending') {
      if (d.outcome === 'manual') return answer('authorization_pending');
      if (rec.pendingAnswered < d.pendingPolls) {
        rec.pendingAnswered++;
        return answer('authorization_pending');
      }
      if (d.outcome === 'access_denied') {
        rec.status = 'denied';
        return answer('access_denied');
      }
      if (d.outcome === 'expired_token') return answer('expired_token');
      rec.status = 'approved';
    }
    rec.status = 'consumed';
    const username = findUser(rec.approvedUser ?? d.user).username;
    const pair = mint(username, rec.client_id, rec.scopes, now);
    rec.polls.push({ time: now, result: 'success' });
    grants.push({ grant_type: 'device_code', username, client_secret_sent: secretSent, pkce: false, time: now, access_token: pair.access_token, refresh_token: pair.refresh_token, scope: pair.scopes.join(' ') });
    sendJson(res, 200, tokenJson(pair), { 'cache-control': 'no-store', pragma: 'no-cache' });
  }

  // ---- revoke / token info ------------------------------------------------------------

  function revokeEndpoint(req: IncomingMessage, res: ServerResponse, p: Params): void {
    const auth = authenticateClient(req, p);
    if (!auth.ok) return oauthError(res, 401, 'invalid_client');
    if (!p.token) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: token.');
    const pair = byAccess.get(p.token) ?? byRefresh.get(p.token);
    if (pair && pair.clientId !== options.clientId) return oauthError(res, 403, 'unauthorized_client');
    // RFC 7009 §2.2: unknown or already invalid tokens also answer 200.
    if (pair) revoke(pair, 'api');
    sendJson(res, 200, {});
  }

  function bearer(req: IncomingMessage): string | undefined {
    const m = /^bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''));
    return m?.[1];
  }

  function tokenInfo(req: IncomingMessage, res: ServerResponse, q: Params): void {
    const st = accessState(bearer(req) ?? q.access_token);
    if (!st.ok) {
      return sendJson(res, 401, { error: 'invalid_token', error_description: 'The access token is invalid', state: 'unauthorized' }, {
        'www-authenticate': 'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"',
      });
    }
    const p = st.pair;
    const expiresIn = Math.max(0, Math.round((p.expiresAt - Date.now()) / 1000));
    sendJson(res, 200, {
      resource_owner_id: findUser(p.username).id,
      scope: p.scopes,
      expires_in: expiresIn,
      application: { uid: p.clientId },
      created_at: Math.floor(p.createdAt / 1000),
      scopes: p.scopes,
      expires_in_seconds: expiresIn,
    });
  }

  // ---- REST API -----------------------------------------------------------------------

  function apiAuth(req: IncomingMessage, res: ServerResponse, needed: string[]): TokenPair | undefined {
    const st = accessState(bearer(req));
    if (!st.ok) {
      if (st.reason === 'missing' || st.reason === 'unknown') {
        sendJson(res, 401, { message: '401 Unauthorized' });
      } else {
        const description =
          st.reason === 'expired' ? 'Token is expired. You can either do re-authorization or token refresh.' : 'Token was revoked. You will have to re-authorize from the user.';
        sendJson(res, 401, { error: 'invalid_token', error_description: description }, {
          'www-authenticate': `Bearer realm="Protected by OAuth 2.0", error="invalid_token", error_description="${description}"`,
        });
      }
      return undefined;
    }
    if (!st.pair.scopes.some((s) => needed.includes(s))) {
      sendJson(res, 403, {
        error: 'insufficient_scope',
        error_description: 'The request requires higher privileges than provided by the access token.',
        scope: needed.join(' '),
      }, { 'www-authenticate': `Bearer realm="Protected by OAuth 2.0", error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token.", scope="${needed.join(' ')}"` });
      return undefined;
    }
    return st.pair;
  }

  function userJson(user: FakeGitLabUser): Record<string, unknown> {
    const created = user.created_at ?? '2019-03-15T09:12:45.123Z';
    return {
      id: user.id,
      username: user.username,
      public_email: user.public_email ?? '',
      name: user.name ?? user.username,
      state: user.state ?? 'active',
      locked: false,
      avatar_url: `https://secure.gravatar.com/avatar/${createHash('sha256').update(user.email ?? user.username).digest('hex')}?s=80&d=identicon`,
      web_url: `${url}/${user.username}`,
      created_at: created,
      bio: '',
      location: '',
      linkedin: '',
      twitter: '',
      discord: '',
      website_url: '',
      github: '',
      job_title: '',
      pronouns: null,
      organization: '',
      bot: user.bot ?? false,
      work_information: null,
      local_time: null,
      last_sign_in_at: created,
      confirmed_at: created,
      last_activity_on: new Date().toISOString().slice(0, 10),
      email: user.email ?? `${user.username}@example.com`,
      theme_id: 3,
      color_scheme_id: 1,
      projects_limit: 100000,
      current_sign_in_at: new Date().toISOString(),
      identities: [],
      can_create_group: true,
      can_create_project: true,
      two_factor_enabled: false,
      external: false,
      private_profile: false,
      commit_email: user.email ?? `${user.username}@example.com`,
      preferred_language: 'en',
    };
  }

  function projectRows(user: FakeGitLabUser): ProjectRow[] {
    const count = projectCounts.get(user.username) ?? 0;
    const rows: ProjectRow[] = [];
    for (let i = 1; i <= count; i++) {
      const name = `project-${String(i).padStart(4, '0')}`;
      const visibility = i % 3 === 0 ? 'private' : i % 5 === 0 ? 'internal' : 'public';
      rows.push({
        owner: user,
        i,
        id: user.id * 10000 + i,
        name,
        path: name,
        visibility,
        created: PROJECT_EPOCH + i * 86_400_000,
        lastActivity: PROJECT_EPOCH + i * 86_400_000 + ((i * 7919) % 97) * 3_600_000,
        updated: PROJECT_EPOCH + i * 86_400_000 + 60_000,
        stars: (i * 37) % 50,
      });
    }
    return rows;
  }

  function namespaceJson(user: FakeGitLabUser): Record<string, unknown> {
    return {
      id: user.id + 100000,
      name: user.name ?? user.username,
      path: user.username,
      kind: 'user',
      full_path: user.username,
      parent_id: null,
      avatar_url: `/uploads/-/system/user/avatar/${user.id}/avatar.png`,
      web_url: `${url}/${user.username}`,
    };
  }

  function projectJson(r: ProjectRow, simple: boolean, viewer: FakeGitLabUser): Record<string, unknown> {
    const u = r.owner;
    const full = `${u.username}/${r.path}`;
    const iso = (ms: number) => new Date(ms).toISOString();
    const base: Record<string, unknown> = {
      id: r.id,
      description: r.i % 4 === 0 ? null : `Test project number ${r.i}`,
      name: r.name,
      name_with_namespace: `${u.name ?? u.username} / ${r.name}`,
      path: r.path,
      path_with_namespace: full,
      created_at: iso(r.created),
      default_branch: 'main',
      tag_list: TOPICS[r.i % TOPICS.length],
      topics: TOPICS[r.i % TOPICS.length],
      ssh_url_to_repo: `git@127.0.0.1:${full}.git`,
      http_url_to_repo: `${url}/${full}.git`,
      web_url: `${url}/${full}`,
      readme_url: `${url}/${full}/-/blob/main/README.md`,
      forks_count: r.i % 7,
      avatar_url: null,
      star_count: r.stars,
      last_activity_at: iso(r.lastActivity),
      namespace: namespaceJson(u),
    };
    // CHOICE: simple=true → GitLab's BasicProjectDetails (no visibility/archived/owner/permissions/_links).
    if (simple) return base;
    const api = `${url}/api/v4/projects/${r.id}`;
    const owned = viewer.username === u.username;
    return {
      ...base,
      container_registry_image_prefix: `registry.127.0.0.1/${full}`,
      _links: {
        self: api,
        issues: `${api}/issues`,
        merge_requests: `${api}/merge_requests`,
        repo_branches: `${api}/repository/branches`,
        labels: `${api}/labels`,
        events: `${api}/events`,
        members: `${api}/members`,
        cluster_agents: `${api}/cluster_agents`,
      },
      packages_enabled: true,
      empty_repo: r.i % 11 === 0,
      archived: r.i % 13 === 0,
      visibility: r.visibility,
      owner: { id: u.id, username: u.username, public_email: u.public_email ?? '', name: u.name ?? u.username, state: u.state ?? 'active', locked: false, avatar_url: userJson(u).avatar_url, web_url: `${url}/${u.username}` },
      resolve_outdated_diff_discussions: false,
      container_expiration_policy: { cadence: '1d', enabled: false, keep_n: 10, older_than: '90d', name_regex: '.*', name_regex_keep: null, next_run_at: iso(r.updated + 86_400_000) },
      repository_object_format: 'sha1',
      issues_enabled: true,
      merge_requests_enabled: true,
      wiki_enabled: true,
      jobs_enabled: true,
      snippets_enabled: true,
      container_registry_enabled: true,
      service_desk_enabled: false,
      can_create_merge_request_in: true,
      issues_access_level: 'enabled',
      repository_access_level: 'enabled',
      merge_requests_access_level: 'enabled',
      forking_access_level: 'enabled',
      wiki_access_level: 'enabled',
      builds_access_level: 'enabled',
      snippets_access_level: 'enabled',
      pages_access_level: r.visibility === 'public' ? 'enabled' : 'private',
      analytics_access_level: 'enabled',
      container_registry_access_level: 'enabled',
      security_and_compliance_access_level: 'private',
      releases_access_level: 'enabled',
      environments_access_level: 'enabled',
      feature_flags_access_level: 'enabled',
      infrastructure_access_level: 'enabled',
      monitor_access_level: 'enabled',
      model_experiments_access_level: 'enabled',
      model_registry_access_level: 'enabled',
      emails_disabled: false,
      emails_enabled: true,
      shared_runners_enabled: true,
      lfs_enabled: true,
      creator_id: u.id,
      import_status: 'none',
      open_issues_count: (r.i * 3) % 17,
      description_html: r.i % 4 === 0 ? '' : `<p data-sourcepos="1:1-1:${20 + String(r.i).length}" dir="auto">Test project number ${r.i}</p>`,
      updated_at: iso(r.updated),
      ci_config_path: '',
      public_jobs: true,
      shared_with_groups: [],
      only_allow_merge_if_pipeline_succeeds: false,
      allow_merge_on_skipped_pipeline: null,
      request_access_enabled: true,
      only_allow_merge_if_all_discussions_are_resolved: false,
      remove_source_branch_after_merge: true,
      printing_merge_request_link_enabled: true,
      merge_method: 'merge',
      squash_option: 'default_off',
      enforce_auth_checks_on_uploads: true,
      suggestion_commit_message: null,
      merge_commit_template: null,
      squash_commit_template: null,
      issue_branch_template: null,
      warn_about_potentially_unwanted_characters: true,
      autoclose_referenced_issues: true,
      max_artifacts_size: null,
      permissions: { project_access: owned ? { access_level: 50, notification_level: 3 } : null, group_access: null },
    };
  }

  function sortValue(r: ProjectRow, orderBy: string): number | string {
    switch (orderBy) {
      case 'id':
        return r.id;
      case 'name':
        return `${(r.owner.name ?? r.owner.username).toLowerCase()} / ${r.name}`;
      case 'path':
        return `${r.owner.username}/${r.path}`;
      case 'updated_at':
        return r.updated;
      case 'last_activity_at':
        return r.lastActivity;
      case 'star_count':
        return r.stars;
      case 'created_at':
      default:
        return r.created;
    }
  }

  function projects(req: IncomingMessage, res: ServerResponse, viewer: FakeGitLabUser, q: Params, u: URL): void {
    const orderBy = q.order_by ?? 'created_at';
    const ORDER = ['id', 'name', 'path', 'created_at', 'updated_at', 'last_activity_at', 'similarity', 'star_count', 'storage_size', 'repository_size', 'wiki_size', 'packages_size'];
    if (!ORDER.includes(orderBy)) return sendJson(res, 400, { error: 'order_by does not have a valid value' });
    const sort = q.sort ?? 'desc';
    if (!['asc', 'desc'].includes(sort)) return sendJson(res, 400, { error: 'sort does not have a valid value' });
    if (q.visibility !== undefined && !['private', 'internal', 'public'].includes(q.visibility)) {
      return sendJson(res, 400, { error: 'visibility does not have a valid value' });
    }
    const truthy = (v: string | undefined) => v === 'true' || v === '1';
    let rows: ProjectRow[];
    if (truthy(q.membership) || truthy(q.owned)) {
      rows = projectRows(viewer);
    } else {
      // Everything the viewer can see: own projects + other users' public/internal ones.
      rows = users.flatMap((x) => projectRows(x).filter((r) => x.username === viewer.username || r.visibility !== 'private'));
    }
    if (q.visibility) rows = rows.filter((r) => r.visibility === q.visibility);
    if (q.archived !== undefined) rows = rows.filter((r) => (r.i % 13 === 0) === truthy(q.archived));
    if (q.search) rows = rows.filter((r) => r.name.includes(q.search!) || r.path.includes(q.search!));
    rows.sort((a, b) => {
      const va = sortValue(a, orderBy);
      const vb = sortValue(b, orderBy);
      const c = va < vb ? -1 : va > vb ? 1 : a.id - b.id;
      return sort === 'asc' ? c : -c;
    });

    let perPage = Number.parseInt(q.per_page ?? '20', 10);
    if (!Number.isFinite(perPage) || perPage < 1) perPage = 20;
    perPage = Math.min(perPage, 100);
    let page = Number.parseInt(q.page ?? '1', 10);
    if (!Number.isFinite(page) || page < 1) page = 1;
    const total = rows.length;
    const totalPages = Math.max(1, Math.ceil(total / perPage));
    const slice = rows.slice((page - 1) * perPage, page * perPage);
    const omitTotals = options.omitTotals ?? total > 10_000;

    const linkFor = (pg: number): string => {
      const lu = new URL(`${url}${u.pathname}`);
      const params = new URLSearchParams(u.searchParams);
      params.set('page', String(pg));
      params.set('per_page', String(perPage));
      // GitLab echoes the query parameters sorted by name.
      const sorted = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [k, v] of sorted) lu.searchParams.append(k, v);
      return lu.toString();
    };
    const links: string[] = [];
    if (page > 1) links.push(`<${linkFor(page - 1)}>; rel="prev"`);
    if (page < totalPages) links.push(`<${linkFor(page + 1)}>; rel="next"`);
    links.push(`<${linkFor(1)}>; rel="first"`);
    if (!omitTotals) links.push(`<${linkFor(totalPages)}>; rel="last"`);
    const headers: Record<string, string | number> = {
      link: links.join(', '),
      'x-page': page,
      'x-per-page': perPage,
      'x-next-page': page < totalPages ? String(page + 1) : '',
      'x-prev-page': page > 1 ? String(page - 1) : '',
    };
    if (!omitTotals) {
      headers['x-total'] = total;
      headers['x-total-pages'] = totalPages;
    }
    const simple = truthy(q.simple);
    const delay = options.pageDelay ? options.pageDelay(page) : 0;
    void http.sleep(delay).then(() => {
      sendJson(res, 200, slice.map((r) => projectJson(r, simple, viewer)), headers);
    });
  }

  function api(req: IncomingMessage, res: ServerResponse, method: string, path: string, q: Params, u: URL): void {
    const rest = path.slice('/api/v4'.length) || '/';
    if (method === 'GET' && rest === '/user') {
      const pair = apiAuth(req, res, ['read_user', 'api', 'read_api']);
      if (!pair) return;
      return sendJson(res, 200, userJson(findUser(pair.username)));
    }
    if (method === 'GET' && rest === '/projects') {
      const pair = apiAuth(req, res, ['read_api', 'api']);
      if (!pair) return;
      return projects(req, res, findUser(pair.username), q, u);
    }
    if (method === 'GET' && rest === '/version') {
      const pair = apiAuth(req, res, ['read_user', 'api', 'read_api']);
      if (!pair) return;
      return sendJson(res, 200, { version: '17.11.0-ee', revision: 'fake0000', kas: { enabled: false, externalUrl: null, version: null }, enterprise: true });
    }
    sendJson(res, 404, { error: '404 Not Found' });
  }

  // ---- http server --------------------------------------------------------------------

  const http = await startFakeHttp<GitLabRecordedRequest['headers']>({
    replies,
    pickHeaders: (h) => ({
      accept: h.accept,
      'content-type': h['content-type'],
      'user-agent': h['user-agent'],
      authorization: h.authorization,
      'private-token': typeof h['private-token'] === 'string' ? h['private-token'] : undefined,
    }),
    latencyMs: () => options.latencyMs,
    route,
    internalError: (err) => ({ message: `500 Internal Server Error: ${String(err)}` }),
  });
  const { host, url, requests } = http;

  const fake: FakeGitLab = {
    host,
    url,
    options,
    users,
    requests,
    grants,
    revocations,
    earlyPolls,
    deviceCodes,
    close: http.close,
    setOptions,
    setDevice(patch) {
      Object.assign(options.device, patch);
    },
    addUser(user) {
      users.push({ ...user });
    },
    setProjects(username, count) {
      projectCounts.set(username, count);
    },
    approveDevice(username, userCode) {
      const rec = latestPendingDevice(deviceCodes, userCode);
      rec.status = 'approved';
      rec.approvedUser = findUser(username ?? options.device.user).username;
    },
    denyDevice(userCode) {
      latestPendingDevice(deviceCodes, userCode).status = 'denied';
    },
    fail: http.fail,
    clearFaults: http.clearFaults,
    requestCount: http.requestCount,
    isTokenValid(t) {
      return accessState(t).ok;
    },
    isRefreshTokenValid(t) {
      const p = byRefresh.get(t);
      return !!p && !p.revoked && !p.refreshed;
    },
    issueToken(username, o = {}) {
      const user = findUser(username);
      if (username && user.username !== username) throw new Error(`unknown user ${username}`);
      const pair = mint(user.username, options.clientId, parseScopes(o.scopes ?? 'read_user read_api'));
      if (o.expired) pair.expiresAt = Date.now() - 60_000;
      return { access_token: pair.access_token, refresh_token: pair.refresh_token, expires_at: pair.expiresAt, scope: pair.scopes.join(' '), created_at: Math.floor(pair.createdAt / 1000) };
    },
    expireToken(accessToken) {
      const p = byAccess.get(accessToken);
      if (!p) throw new Error('unknown access token');
      p.expiresAt = Date.now() - 1;
    },
    revokeToken(t) {
      const p = byAccess.get(t) ?? byRefresh.get(t);
      if (!p) throw new Error('unknown token');
      revoke(p, 'test');
    },
    validTokens(username) {
      return [...byAccess.values()].filter((p) => (!username || p.username === username) && accessState(p.access_token).ok).map((p) => p.access_token);
    },
    simulateBrowser: (authorizeUrl, o) => simulateBrowser(authorizeUrl, '/oauth/authorize', o),
  };
  return fake;
}

/** A fault answering like GitLab's rate limiter (429, `Retry later`, RateLimit-* headers). */
export function gitlabRateLimitFault(opts: { retryAfter?: number; times?: number } = {}): GitLabFaultSpec {
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
