/**
 * A local, GitHub-compatible fake for end-to-end tests of oauthcli.
 *
 * Layout is GitHub Enterprise Server's: OAuth endpoints under `/login/...`,
 * REST API under `/api/v3/...`. The CLI reaches it with
 * `--hostname 127.0.0.1:PORT`.
 *
 * Behaviour follows https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 * and GitHub's observed quirks. Choices where GitHub's behaviour is unclear or
 * undocumented are marked with "CHOICE:" comments.
 *
 * Only node builtins are used (node:http, node:crypto, node:fs), through fake-http.ts.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
// `.ts`, not `.js`: bench/run.mjs loads this file with Node's type stripping, which resolves only
// real file names (tsconfig allows it: allowImportingTsExtensions).
import {
  consentPageHtml,
  createReplies,
  escapeHtml,
  latestPendingDevice,
  pkceChallenge,
  randomChars,
  randomHex,
  randomUserCode,
  simulateBrowser,
  startFakeHttp,
  type Arrival,
  type FakeServerControls,
  type FaultSpec,
  type Params,
  type RecordedHttpRequest,
  type SimulatedBrowserResult,
} from './fake-http.ts';

export { pkceChallenge };
export type { FaultSpec, SimulatedBrowserResult };

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

export interface FakeUser {
  login: string;
  id: number;
  name?: string | null | undefined;
  email?: string | null | undefined;
  type?: 'User' | 'Bot' | undefined;
  created_at?: string | undefined;
}

/**
 * - `approve`: after `pendingPolls` pending answers, the device code yields a token.
 * - `access_denied`: after `pendingPolls` pending answers, the user denies.
 * - `expired_token`: after `pendingPolls` pending answers, the code reports expired.
 * - `manual`: `authorization_pending` until the test calls `approveDevice()` / `denyDevice()`
 *   (or POSTs the form at `/login/device`).
 */
export type DeviceOutcome = 'approve' | 'access_denied' | 'expired_token' | 'manual';

export interface DeviceOptions {
  /** Seconds the client must wait between polls (sent as `interval`). Default 1. */
  interval: number;
  /** Lifetime of a device code in seconds (sent as `expires_in`). Default 900. */
  expiresIn: number;
  /** How many (on-time) polls answer `authorization_pending` before the outcome. Default 1. */
  pendingPolls: number;
  /** Default 'approve'. */
  outcome: DeviceOutcome;
  /** Which user approves. Default: first user. */
  login?: string | undefined;
  /** 1-based poll number (counting every poll of that device code) that answers `slow_down`. */
  slowDownOnPoll?: number | undefined;
  /**
   * Seconds added to the interval on every `slow_down` (the new value is sent as
   * `interval` in the error response). GitHub adds 5; default here is 1 to keep
   * tests fast. A correct client uses the `interval` field from the response.
   */
  slowDownIncrement: number;
  /** Answer `device_flow_disabled` on `/login/device/code`. */
  deviceFlowDisabled?: boolean | undefined;
  /**
   * Detect polls that arrive earlier than the current interval after the previous
   * poll (0 ms tolerance). Default true. Early polls are recorded in `earlyPolls`
   * and answered with `slow_down` (interval += slowDownIncrement), like GitHub.
   */
  enforceInterval: boolean;
  /**
   * Also treat the FIRST poll as early when it comes sooner than `interval` after the
   * device code was issued (RFC 8628 only constrains the time between polls; GitHub is
   * lenient here). Default false.
   */
  checkFirstPoll?: boolean | undefined;
}

export interface FakeGitHubOptions {
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  users?: FakeUser[] | undefined;
  device?: Partial<DeviceOptions> | undefined;
  /** Access token lifetime in seconds. Undefined = classic non-expiring tokens. */
  tokenLifetime?: number | undefined;
  /** Refresh token lifetime in seconds (only with tokenLifetime). Default 15897600. */
  refreshTokenLifetime?: number | undefined;
  /** Added to every request. */
  latencyMs?: number | undefined;
  /** Extra delay (ms) for `/user/repos?page=N`. */
  pageDelay?: ((page: number) => number) | undefined;
  /** Which user clicks "Authorize" on the web consent page. Default: first user. */
  webLogin?: string | undefined;
  /** When set, `iss=<value>` is appended to authorize redirects (RFC 9207). */
  issParam?: string | undefined;
  /** Drop rel="last" and rel="first" from Link headers. */
  omitLastLink?: boolean | undefined;
  /** Grant these scopes (comma/space separated) regardless of what was requested. */
  grantedScopes?: string | undefined;
  /** Require client_secret on refresh_token grants (GitHub Apps historically did). Default false. */
  requireClientSecretForRefresh?: boolean | undefined;
}

export interface ResolvedOptions {
  clientId: string;
  clientSecret: string;
  device: DeviceOptions;
  tokenLifetime?: number | undefined;
  refreshTokenLifetime: number;
  latencyMs: number;
  pageDelay?: ((page: number) => number) | undefined;
  webLogin?: string | undefined;
  issParam?: string | undefined;
  omitLastLink: boolean;
  grantedScopes?: string | undefined;
  requireClientSecretForRefresh: boolean;
}

export type RecordedRequest = RecordedHttpRequest<{
  accept?: string | undefined;
  'content-type'?: string | undefined;
  'user-agent'?: string | undefined;
  'x-github-api-version'?: string | undefined;
  authorization?: string | undefined;
}>;

export type GrantType = 'device_code' | 'authorization_code' | 'refresh_token';

export interface GrantRecord {
  grant_type: GrantType;
  login: string;
  client_secret_sent: boolean;
  /** Whether a PKCE code_verifier was used (authorization_code only). */
  pkce: boolean;
  time: number;
  access_token: string;
  refresh_token?: string | undefined;
  /** Granted scopes, comma separated (as in the token response). */
  scope: string;
}

export interface RevocationRecord {
  access_token: string;
  login: string;
  time: number;
  via: 'api' | 'grant' | 'family' | 'test';
}

export interface EarlyPollRecord {
  device_code: string;
  time: number;
  /** Milliseconds since the previous poll of that device code. */
  elapsedMs: number;
  /** Interval (ms) that was required at that moment. */
  requiredMs: number;
}

export interface DevicePollRecord {
  time: number;
  result: string;
}

export interface DeviceCodeRecord {
  device_code: string;
  user_code: string;
  client_id: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number;
  /** Current required interval in seconds (grows on slow_down). */
  interval: number;
  polls: DevicePollRecord[];
  status: 'pending' | 'approved' | 'denied' | 'consumed';
  approvedLogin?: string | undefined;
  /** internal */
  lastPollMono?: number | undefined;
  /** internal */
  pendingAnswered: number;
  /** internal: performance.now() at issuance */
  createdMono: number;
}

export interface IssuedToken {
  access_token: string;
  refresh_token?: string | undefined;
  /** Date.now()-style epoch ms, when the access token expires. */
  expires_at?: number | undefined;
  /** Epoch ms, when the refresh token expires. */
  refresh_token_expires_at?: number | undefined;
  scope: string;
}

export interface FakeGitHub extends FakeServerControls {
  /** Live options; mutate directly or via setOptions(). */
  readonly options: ResolvedOptions;
  readonly users: FakeUser[];
  readonly requests: RecordedRequest[];
  readonly grants: GrantRecord[];
  readonly revocations: RevocationRecord[];
  readonly earlyPolls: EarlyPollRecord[];
  readonly deviceCodes: DeviceCodeRecord[];

  setOptions(patch: FakeGitHubOptions): void;
  setDevice(patch: Partial<DeviceOptions>): void;
  addUser(user: FakeUser): void;
  setRepos(login: string, count: number): void;

  /** Approve the most recent pending device code (or the one with userCode). */
  approveDevice(login?: string, userCode?: string): void;
  /** Deny the most recent pending device code (or the one with userCode). */
  denyDevice(userCode?: string): void;


  isTokenValid(token: string): boolean;
  issueToken(login: string, opts?: { expired?: boolean; scopes?: string; refreshable?: boolean }): IssuedToken;
  /** Make an access token expire now (server side). */
  expireToken(accessToken: string): void;
  /** Make a refresh token expire now (server side). */
  expireRefreshToken(refreshToken: string): void;
  revokeToken(accessToken: string): void;
  /** All currently valid access tokens (optionally of one user). */
  validTokens(login?: string): string[];
}

// ---------------------------------------------------------------------------
// Constants and helpers
// ---------------------------------------------------------------------------

const DEFAULT_USER: FakeUser = {
  login: 'octocat',
  id: 583231,
  name: 'The Octocat',
  email: 'octocat@example.com',
};

const API_VERSIONS = ['2022-11-28', '2026-03-10'];
const DEFAULT_API_VERSION = '2022-11-28';
const DEVICE_ERROR_URI = 'https://docs.github.com/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow';
const TOKEN_ERROR_URI_BASE = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/';

const OAUTH_ERRORS: Record<string, { description: string; uri: string }> = {
  authorization_pending: { description: 'The authorization request is still pending.', uri: DEVICE_ERROR_URI },
  slow_down: { description: 'Too many requests have been made in the same timeframe.', uri: DEVICE_ERROR_URI },
  expired_token: { description: 'The device code has expired.', uri: DEVICE_ERROR_URI },
  unsupported_grant_type: { description: 'The grant type is not supported.', uri: DEVICE_ERROR_URI },
  incorrect_client_credentials: {
    description: 'The client_id and/or client_secret passed are incorrect.',
    uri: `${TOKEN_ERROR_URI_BASE}#incorrect-client-credentials`,
  },
  incorrect_device_code: { description: 'The device_code provided is not valid.', uri: DEVICE_ERROR_URI },
  access_denied: { description: 'The authorization request was denied.', uri: DEVICE_ERROR_URI },
  device_flow_disabled: { description: 'Device Flow must be explicitly enabled for this App', uri: 'https://docs.github.com' },
  bad_verification_code: {
    description: 'The code passed is incorrect or expired.',
    uri: `${TOKEN_ERROR_URI_BASE}#bad-verification-code`,
  },
  redirect_uri_mismatch: {
    description: 'The redirect_uri MUST match the registered callback URL for this application.',
    uri: `${TOKEN_ERROR_URI_BASE}#redirect-uri-mismatch2`,
  },
  bad_refresh_token: {
    description: 'The refresh token passed is incorrect or expired.',
    uri: 'https://docs.github.com',
  },
};

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function parseScopes(scope: string | undefined): string[] {
  if (!scope) return [];
  const seen = new Set<string>();
  for (const s of scope.split(/[\s,]+/)) if (s) seen.add(s);
  // CHOICE: GitHub reports scopes sorted (see X-OAuth-Scopes in recorded fixtures).
  return [...seen].sort();
}

function wantsJson(req: IncomingMessage): boolean {
  const accept = String(req.headers.accept ?? '').toLowerCase();
  return accept.includes('application/json') || accept.includes('+json');
}

function apiError(status: number, message: string, documentationUrl = 'https://docs.github.com/rest'): Record<string, string> {
  return { message, documentation_url: documentationUrl, status: String(status) };
}

// The recorded `GET /repos/{owner}/{repo}` response from @octokit/fixtures, loaded once.
let repoTemplateCache: string | undefined;
function repoTemplate(): string {
  if (repoTemplateCache === undefined) {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@octokit/fixtures/scenarios/api.github.com/get-repository/normalized-fixture.json');
    const fixture = JSON.parse(readFileSync(file, 'utf8')) as Array<{ method: string; path: string; response: unknown }>;
    const entry = fixture.find((f) => f.method === 'get' && f.path.startsWith('/repos/'));
    if (!entry) throw new Error('get-repository fixture not found in @octokit/fixtures');
    const response = { ...(entry.response as Record<string, unknown>) };
    // Fields GET /repos/{owner}/{repo} has but list endpoints (GET /user/repos) don't.
    delete response.organization;
    delete response.network_count;
    delete response.subscribers_count;
    delete response.temp_clone_token;
    repoTemplateCache = JSON.stringify(response);
  }
  return repoTemplateCache;
}

const LANGUAGES = ['TypeScript', 'JavaScript', 'Go', 'Rust', 'Python', null, 'Ruby', 'C'];
const REPO_EPOCH = Date.UTC(2024, 0, 1);

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

interface TokenRecord {
  token: string;
  kind: 'access' | 'refresh';
  login: string;
  scopes: string[];
  familyId: string;
  createdAt: number;
  expiresAt?: number | undefined;
  revoked: boolean;
  /** refresh tokens: already exchanged */
  used: boolean;
  /** access ↔ refresh pairing */
  pair?: string | undefined;
}

interface AuthorizeRequest {
  id: string;
  client_id: string;
  redirect_uri: string;
  scopes: string[];
  state?: string | undefined;
  code_challenge?: string | undefined;
}

interface AuthCode {
  code: string;
  client_id: string;
  redirect_uri: string;
  scopes: string[];
  code_challenge?: string | undefined;
  login: string;
  expiresAt: number;
  used: boolean;
}

export async function startFakeGitHub(initial: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const options: ResolvedOptions = {
    clientId: 'test-client-id',
    clientSecret: 'test-client-secret',
    device: {
      interval: 1,
      expiresIn: 900,
      pendingPolls: 1,
      outcome: 'approve',
      slowDownIncrement: 1,
      enforceInterval: true,
    },
    refreshTokenLifetime: 15897600,
    latencyMs: 0,
    omitLastLink: false,
    requireClientSecretForRefresh: false,
  };
  const users: FakeUser[] = initial.users ? initial.users.map((u) => ({ ...u })) : [{ ...DEFAULT_USER }];
  const grants: GrantRecord[] = [];
  const revocations: RevocationRecord[] = [];
  const earlyPolls: EarlyPollRecord[] = [];
  const deviceCodes: DeviceCodeRecord[] = [];
  const deviceByCode = new Map<string, DeviceCodeRecord>();
  const tokens = new Map<string, TokenRecord>();
  const authorizeRequests = new Map<string, AuthorizeRequest>();
  const authCodes = new Map<string, AuthCode>();
  const repoCounts = new Map<string, number>();
  let rateRemaining = 5000;
  let requestSeq = 0;

  function setOptions(patch: FakeGitHubOptions): void {
    const { device, users: newUsers, ...rest } = patch;
    for (const [k, v] of Object.entries(rest)) {
      (options as unknown as Record<string, unknown>)[k] = v;
    }
    if (rest.refreshTokenLifetime === undefined && 'refreshTokenLifetime' in rest) options.refreshTokenLifetime = 15897600;
    if (rest.latencyMs === undefined && 'latencyMs' in rest) options.latencyMs = 0;
    if (rest.clientId === undefined && 'clientId' in rest) options.clientId = 'test-client-id';
    if (rest.clientSecret === undefined && 'clientSecret' in rest) options.clientSecret = 'test-client-secret';
    if (device) setDevice(device);
    if (newUsers) users.splice(0, users.length, ...newUsers.map((u) => ({ ...u })));
  }
  function setDevice(patch: Partial<DeviceOptions>): void {
    Object.assign(options.device, patch);
  }
  setOptions({ ...initial, users: undefined });

  const findUser = (login: string | undefined): FakeUser => {
    const u = (login && users.find((x) => x.login === login)) || users[0];
    if (!u) throw new Error('fake GitHub has no users');
    return u;
  };

  // ---- tokens --------------------------------------------------------------

  function mintTokens(login: string, scopes: string[], familyId: string, now = Date.now()): IssuedToken {
    const expiring = options.tokenLifetime !== undefined;
    const access: TokenRecord = {
      token: (expiring ? 'ghu_' : 'gho_') + randomChars(BASE62, 36),
      kind: 'access',
      login,
      scopes,
      familyId,
      createdAt: now,
      expiresAt: expiring ? now + options.tokenLifetime! * 1000 : undefined,
      revoked: false,
      used: false,
    };
    tokens.set(access.token, access);
    const issued: IssuedToken = { access_token: access.token, scope: scopes.join(','), expires_at: access.expiresAt };
    if (expiring) {
      const refresh: TokenRecord = {
        token: 'ghr_' + randomChars(BASE62, 76),
        kind: 'refresh',
        login,
        scopes,
        familyId,
        createdAt: now,
        expiresAt: now + options.refreshTokenLifetime * 1000,
        revoked: false,
        used: false,
        pair: access.token,
      };
      access.pair = refresh.token;
      tokens.set(refresh.token, refresh);
      issued.refresh_token = refresh.token;
      issued.refresh_token_expires_at = refresh.expiresAt;
    }
    return issued;
  }

  /** The part of a grant record that says what was issued. */
  function issuedTokens(issued: IssuedToken): Pick<GrantRecord, 'access_token' | 'refresh_token' | 'scope'> {
    return { access_token: issued.access_token, refresh_token: issued.refresh_token, scope: issued.scope };
  }

  function tokenResponse(issued: IssuedToken): Record<string, string | number> {
    const now = Date.now();
    if (issued.refresh_token) {
      return {
        access_token: issued.access_token,
        expires_in: Math.round(((issued.expires_at ?? now) - now) / 1000),
        refresh_token: issued.refresh_token,
        refresh_token_expires_in: Math.round(((issued.refresh_token_expires_at ?? now) - now) / 1000),
        scope: issued.scope,
        token_type: 'bearer',
      };
    }
    return { access_token: issued.access_token, scope: issued.scope, token_type: 'bearer' };
  }

  function revokeFamily(familyId: string, via: RevocationRecord['via']): void {
    const now = Date.now();
    for (const t of tokens.values()) {
      if (t.familyId !== familyId || t.revoked) continue;
      t.revoked = true;
      if (t.kind === 'access') revocations.push({ access_token: t.token, login: t.login, time: now, via });
    }
  }

  function revokeAccess(rec: TokenRecord, via: RevocationRecord['via']): void {
    rec.revoked = true;
    if (rec.pair) {
      const r = tokens.get(rec.pair);
      if (r) r.revoked = true;
    }
    revocations.push({ access_token: rec.token, login: rec.login, time: Date.now(), via });
  }

  function validAccess(token: string | undefined): TokenRecord | undefined {
    if (!token) return undefined;
    const rec = tokens.get(token);
    if (!rec || rec.kind !== 'access' || rec.revoked) return undefined;
    if (rec.expiresAt !== undefined && rec.expiresAt <= Date.now()) return undefined;
    return rec;
  }

  function grantScopes(requested: string[]): string[] {
    return options.grantedScopes !== undefined ? parseScopes(options.grantedScopes) : requested;
  }

  // ---- responses -------------------------------------------------------------

  const replies = createReplies({
    everyAnswer: () => ({ 'x-github-request-id': `FAKE:${(++requestSeq).toString(16).toUpperCase()}` }),
    jsonType: 'application/json; charset=utf-8',
  });
  const { send, sendJson, sendHtml } = replies;

  /** Content negotiation for /login/* endpoints: JSON when asked, form-encoded otherwise (GitHub's default). */
  function sendOAuth(req: IncomingMessage, res: ServerResponse, status: number, obj: Record<string, string | number>): void {
    if (wantsJson(req)) {
      sendJson(res, status, obj);
    } else {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(obj)) form.append(k, String(v));
      send(res, status, form.toString(), { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
    }
  }

  function oauthError(req: IncomingMessage, res: ServerResponse, error: string, extra: Record<string, string | number> = {}, status = 200): void {
    const known = OAUTH_ERRORS[error];
    sendOAuth(req, res, status, {
      error,
      error_description: known?.description ?? error,
      error_uri: known?.uri ?? 'https://docs.github.com',
      ...extra,
    });
  }

  function apiHeaders(req: IncomingMessage, extra: Record<string, string | number> = {}): Record<string, string | number> | undefined {
    const requested = req.headers['x-github-api-version'];
    const version = typeof requested === 'string' && requested ? requested : DEFAULT_API_VERSION;
    if (!API_VERSIONS.includes(version)) return undefined;
    rateRemaining = Math.max(0, rateRemaining - 1);
    return {
      'x-github-api-version-selected': version,
      'x-github-media-type': 'github.v3; format=json',
      'x-ratelimit-limit': 5000,
      'x-ratelimit-remaining': rateRemaining,
      'x-ratelimit-used': 5000 - rateRemaining,
      'x-ratelimit-reset': Math.floor(Date.now() / 1000) + 3600,
      'x-ratelimit-resource': 'core',
      ...extra,
    };
  }

  // ---- routing ---------------------------------------------------------------

  function route(req: IncomingMessage, res: ServerResponse, { mono, requestUrl: u, path, query, method, body }: Arrival): void {
    // Like GitHub, /login/oauth/access_token also reads parameters from the query string.
    const params: Params = path.startsWith('/login/') ? { ...query, ...body } : body;

    if (method === 'POST' && path === '/login/device/code') return deviceCode(req, res, params);
    if (method === 'GET' && path === '/login/device') return devicePage(res, query);
    if (method === 'POST' && path === '/login/device') return deviceDecision(res, params);
    if (method === 'POST' && path === '/login/oauth/access_token') return accessToken(req, res, params, mono);
    if (method === 'GET' && path === '/login/oauth/authorize') return authorize(res, query);
    if (method === 'POST' && path === '/login/oauth/authorize/decision') return authorizeDecision(res, params);

    if (path === '/api/v3' || path.startsWith('/api/v3/')) return api(req, res, method, path, query, body, u);

    if (path.startsWith('/login/')) {
      sendHtml(res, 404, 'Page not found · GitHub', '<h1>404</h1><p>This is not the web page you are looking for.</p>');
      return;
    }
    sendJson(res, 404, apiError(404, 'Not Found'));
  }

  // ---- device flow -------------------------------------------------------------

  function deviceCode(req: IncomingMessage, res: ServerResponse, params: Params): void {
    if (params.client_id !== options.clientId) {
      // CHOICE: real GitHub answers an unknown/missing client_id on /login/device/code with
      // HTTP 404 (not the 200-with-error used by the token endpoint). Body: error=Not Found,
      // in the negotiated format.
      sendOAuth(req, res, 404, { error: 'Not Found' });
      return;
    }
    if (options.device.deviceFlowDisabled) {
      // GitHub: HTTP 400 {"error":"device_flow_disabled","error_description":"Device Flow must be explicitly enabled for this App","error_uri":"https://docs.github.com"}
      oauthError(req, res, 'device_flow_disabled', {}, 400);
      return;
    }
    const now = Date.now();
    const d = options.device;
    const rec: DeviceCodeRecord = {
      device_code: randomHex(20),
      user_code: randomUserCode(),
      client_id: params.client_id,
      scopes: parseScopes(params.scope),
      createdAt: now,
      expiresAt: now + d.expiresIn * 1000,
      interval: d.interval,
      polls: [],
      status: 'pending',
      pendingAnswered: 0,
      createdMono: performance.now(),
    };
    deviceCodes.push(rec);
    deviceByCode.set(rec.device_code, rec);
    sendOAuth(req, res, 200, {
      device_code: rec.device_code,
      expires_in: d.expiresIn,
      interval: d.interval,
      user_code: rec.user_code,
      verification_uri: `${url}/login/device`,
    });
  }

  function devicePage(res: ServerResponse, query: Params): void {
    const code = escapeHtml(query.user_code ?? '');
    sendHtml(
      res,
      200,
      'Device Activation',
      `<h1>Device Activation</h1>
<form method="post" action="/login/device">
  <label>Enter the code displayed on your device <input name="user_code" value="${code}"></label>
  <button id="authorize" name="decision" value="authorize" type="submit">Authorize</button>
  <button id="deny" name="decision" value="deny" type="submit">Deny</button>
</form>`,
    );
  }

  function deviceDecision(res: ServerResponse, params: Params): void {
    const rec = deviceCodes.find((d) => d.user_code === (params.user_code ?? '').toUpperCase().trim());
    if (!rec || rec.status !== 'pending' || rec.expiresAt <= Date.now()) {
      sendHtml(res, 200, 'Device Activation', '<p id="error">Invalid or expired code.</p>');
      return;
    }
    if (params.decision === 'deny') {
      rec.status = 'denied';
      sendHtml(res, 200, 'Device Activation', '<p id="result">Access denied.</p>');
    } else {
      rec.status = 'approved';
      rec.approvedLogin = findUser(options.device.login).login;
      sendHtml(res, 200, 'Device Activation', '<p id="result">Congratulations, you\'re all set!</p>');
    }
  }

  function devicePoll(req: IncomingMessage, res: ServerResponse, params: Params, mono: number): void {
    const now = Date.now();
    if (params.client_id !== options.clientId) return oauthError(req, res, 'incorrect_client_credentials');
    const rec = params.device_code ? deviceByCode.get(params.device_code) : undefined;
    if (!rec || rec.client_id !== params.client_id) return oauthError(req, res, 'incorrect_device_code');
    const answer = (error: string, extra: Record<string, string | number> = {}): void => {
      rec.polls.push({ time: now, result: error });
      oauthError(req, res, error, extra);
    };
    const pollNo = rec.polls.length + 1;
    const d = options.device;
    const last = rec.lastPollMono ?? (d.checkFirstPoll ? rec.createdMono : undefined);
    rec.lastPollMono = mono;
    // CHOICE: a code that already produced a token answers incorrect_device_code.
    if (rec.status === 'consumed') return answer('incorrect_device_code');
    if (d.enforceInterval && last !== undefined && mono - last < rec.interval * 1000) {
      earlyPolls.push({ device_code: rec.device_code, time: now, elapsedMs: mono - last, requiredMs: rec.interval * 1000 });
      rec.interval += d.slowDownIncrement;
      return answer('slow_down', { interval: rec.interval });
    }
    if (now >= rec.expiresAt) return answer('expired_token');
    if (d.slowDownOnPoll !== undefined && pollNo === d.slowDownOnPoll) {
      rec.interval += d.slowDownIncrement;
      return answer('slow_down', { interval: rec.interval });
    }
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
    // approved → issue token
    rec.status = 'consumed';
    const login = findUser(rec.approvedLogin ?? d.login).login;
    const scopes = grantScopes(rec.scopes);
    const issued = mintTokens(login, scopes, randomHex(8));
    rec.polls.push({ time: now, result: 'success' });
    grants.push({ grant_type: 'device_code', login, client_secret_sent: params.client_secret !== undefined, pkce: false, time: now, ...issuedTokens(issued) });
    sendOAuth(req, res, 200, tokenResponse(issued));
  }

  // ---- token endpoint ----------------------------------------------------------

  function accessToken(req: IncomingMessage, res: ServerResponse, params: Params, mono: number): void {
    // CHOICE: like GitHub, a missing grant_type with a `code` means authorization_code.
    const grantType = params.grant_type ?? (params.code !== undefined ? 'authorization_code' : '');
    switch (grantType) {
      case 'urn:ietf:params:oauth:grant-type:device_code':
        return devicePoll(req, res, params, mono);
      case 'authorization_code':
        return codeExchange(req, res, params);
      case 'refresh_token':
        return refreshExchange(req, res, params);
      default:
        return oauthError(req, res, 'unsupported_grant_type');
    }
  }

  function codeExchange(req: IncomingMessage, res: ServerResponse, params: Params): void {
    if (params.client_id !== options.clientId || params.client_secret !== options.clientSecret) {
      return oauthError(req, res, 'incorrect_client_credentials');
    }
    const rec = params.code ? authCodes.get(params.code) : undefined;
    const now = Date.now();
    if (!rec || rec.used || rec.expiresAt <= now || rec.client_id !== params.client_id) {
      if (rec) rec.used = true;
      return oauthError(req, res, 'bad_verification_code');
    }
    // CHOICE: strict RFC 6749 §4.1.3 — redirect_uri is required at the token endpoint when it
    // was sent to /authorize, and must be identical. Mismatch → redirect_uri_mismatch (GitHub's code).
    if (params.redirect_uri !== rec.redirect_uri) return oauthError(req, res, 'redirect_uri_mismatch');
    if (rec.code_challenge !== undefined) {
      if (!params.code_verifier || pkceChallenge(params.code_verifier) !== rec.code_challenge) {
        // CHOICE: a failed PKCE check burns the code (like a reused code).
        rec.used = true;
        return oauthError(req, res, 'bad_verification_code');
      }
    }
    rec.used = true;
    const issued = mintTokens(rec.login, rec.scopes, randomHex(8));
    grants.push({ grant_type: 'authorization_code', login: rec.login, client_secret_sent: true, pkce: rec.code_challenge !== undefined, time: now, ...issuedTokens(issued) });
    sendOAuth(req, res, 200, tokenResponse(issued));
  }

  function refreshExchange(req: IncomingMessage, res: ServerResponse, params: Params): void {
    if (params.client_id !== options.clientId) return oauthError(req, res, 'incorrect_client_credentials');
    if (params.client_secret !== undefined && params.client_secret !== options.clientSecret) {
      return oauthError(req, res, 'incorrect_client_credentials');
    }
    if (params.client_secret === undefined && options.requireClientSecretForRefresh) {
      return oauthError(req, res, 'incorrect_client_credentials');
    }
    const now = Date.now();
    const rec = params.refresh_token ? tokens.get(params.refresh_token) : undefined;
    if (!rec || rec.kind !== 'refresh' || rec.revoked) return oauthError(req, res, 'bad_refresh_token');
    if (rec.used) {
      // Reuse of a rotated refresh token: treat as theft, revoke the whole family.
      revokeFamily(rec.familyId, 'family');
      return oauthError(req, res, 'bad_refresh_token');
    }
    if (rec.expiresAt !== undefined && rec.expiresAt <= now) return oauthError(req, res, 'bad_refresh_token');
    rec.used = true;
    // CHOICE: the access token paired with the rotated refresh token stays valid until it
    // expires (GitHub does not revoke it on refresh).
    const savedLifetime = options.tokenLifetime;
    if (options.tokenLifetime === undefined) options.tokenLifetime = 28800;
    let issued: IssuedToken;
    try {
      issued = mintTokens(rec.login, rec.scopes, rec.familyId, now);
    } finally {
      options.tokenLifetime = savedLifetime;
    }
    grants.push({ grant_type: 'refresh_token', login: rec.login, client_secret_sent: params.client_secret !== undefined, pkce: false, time: now, ...issuedTokens(issued) });
    sendOAuth(req, res, 200, tokenResponse(issued));
  }

  // ---- web flow ------------------------------------------------------------------

  function validLoopback(redirectUri: string | undefined): URL | undefined {
    if (!redirectUri) return undefined;
    try {
      const r = new URL(redirectUri);
      if (r.protocol !== 'http:' || r.hostname !== '127.0.0.1' || !r.port || r.username || r.password || r.hash) return undefined;
      return r;
    } catch {
      return undefined;
    }
  }

  function redirectWith(res: ServerResponse, redirectUri: string, params: Params): void {
    replies.redirectWith(res, redirectUri, options.issParam !== undefined ? { ...params, iss: options.issParam } : params);
  }

  function authorize(res: ServerResponse, query: Params): void {
    if (query.client_id !== options.clientId) {
      sendHtml(res, 404, 'Page not found · GitHub', '<h1>404</h1><p>This is not the web page you are looking for.</p>');
      return;
    }
    if (!validLoopback(query.redirect_uri)) {
      // CHOICE: GitHub would redirect to the app's registered callback with
      // error=redirect_uri_mismatch; there is no registered callback here, so show an error page.
      sendHtml(
        res,
        400,
        'Redirect URI mismatch',
        '<h1 id="error">redirect_uri_mismatch</h1><p>The redirect_uri MUST be a loopback http://127.0.0.1:PORT/ URL.</p>',
      );
      return;
    }
    const redirectUri = query.redirect_uri!;
    const stateParam: Params = query.state !== undefined ? { state: query.state } : {};
    if (query.code_challenge !== undefined && query.code_challenge_method !== 'S256') {
      redirectWith(res, redirectUri, {
        error: 'invalid_request',
        error_description: 'code_challenge_method must be S256',
        ...stateParam,
      });
      return;
    }
    if (query.code_challenge !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(query.code_challenge)) {
      redirectWith(res, redirectUri, { error: 'invalid_request', error_description: 'invalid code_challenge', ...stateParam });
      return;
    }
    const ar: AuthorizeRequest = {
      id: randomHex(12),
      client_id: query.client_id!,
      redirect_uri: redirectUri,
      scopes: parseScopes(query.scope),
      state: query.state,
      code_challenge: query.code_challenge,
    };
    authorizeRequests.set(ar.id, ar);
    const user = findUser(options.webLogin);
    sendHtml(
      res,
      200,
      'Authorize application',
      consentPageHtml({
        action: '/login/oauth/authorize/decision',
        requestId: ar.id,
        heading: 'Authorize oauthcli',
        login: user.login,
        scopes: ar.scopes,
        noScopeItem: '(no scope) public data only',
        redirectLead: 'Authorizing will redirect to',
        redirectUri,
        denyLabel: 'Deny',
        authorizeLabel: 'Authorize',
      }),
    );
  }

  function authorizeDecision(res: ServerResponse, params: Params): void {
    const ar = params.request_id ? authorizeRequests.get(params.request_id) : undefined;
    if (!ar) {
      sendHtml(res, 422, 'Unprocessable', '<p id="error">This authorization request is no longer valid.</p>');
      return;
    }
    authorizeRequests.delete(ar.id);
    const stateParam: Params = ar.state !== undefined ? { state: ar.state } : {};
    if (params.decision !== 'authorize') {
      redirectWith(res, ar.redirect_uri, {
        error: 'access_denied',
        error_description: 'The user has denied your application access.',
        error_uri: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied',
        ...stateParam,
      });
      return;
    }
    const code: AuthCode = {
      code: randomHex(10),
      client_id: ar.client_id,
      redirect_uri: ar.redirect_uri,
      scopes: grantScopes(ar.scopes),
      code_challenge: ar.code_challenge,
      login: findUser(options.webLogin).login,
      expiresAt: Date.now() + 10 * 60 * 1000,
      used: false,
    };
    authCodes.set(code.code, code);
    redirectWith(res, ar.redirect_uri, { code: code.code, ...stateParam });
  }

  // ---- REST API --------------------------------------------------------------------

  function userJson(user: FakeUser): Record<string, unknown> {
    const api = `${url}/api/v3/users/${user.login}`;
    const created = user.created_at ?? '2011-01-25T18:44:36Z';
    return {
      login: user.login,
      id: user.id,
      node_id: Buffer.from(`04:User${user.id}`).toString('base64'),
      avatar_url: `${url}/avatars/u/${user.id}?v=4`,
      gravatar_id: '',
      url: api,
      html_url: `${url}/${user.login}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: user.type ?? 'User',
      user_view_type: 'private',
      site_admin: false,
      name: user.name ?? null,
      company: null,
      blog: '',
      location: null,
      email: user.email ?? null,
      hireable: null,
      bio: null,
      twitter_username: null,
      notification_email: user.email ?? null,
      public_repos: repoCounts.get(user.login) ?? 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: created,
      updated_at: created,
      private_gists: 0,
      total_private_repos: 0,
      owned_private_repos: 0,
      disk_usage: 0,
      collaborators: 0,
      two_factor_authentication: true,
      plan: { name: 'free', space: 976562499, collaborators: 0, private_repos: 10000 },
    };
  }

  function ownerJson(user: FakeUser): Record<string, unknown> {
    const full = userJson(user);
    const keys = [
      'login', 'id', 'node_id', 'avatar_url', 'gravatar_id', 'url', 'html_url', 'followers_url', 'following_url',
      'gists_url', 'starred_url', 'subscriptions_url', 'organizations_url', 'repos_url', 'events_url',
      'received_events_url', 'type',
    ];
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = full[k];
    out.user_view_type = 'public';
    out.site_admin = false;
    return out;
  }

  // Building a repository from the ~6.5 KB fixture takes ~0.4 ms: a 5,000-repository listing
  // would cost the server 2 s of CPU per read. Each one's JSON is made once, as bytes ready to
  // send (cleared by setRepos): a page then costs the server ~0.1 ms, not the client's benchmark.
  const repoJsonCache = new Map<string, Buffer>();
  const OPEN_BRACKET = Buffer.from('[');
  const COMMA = Buffer.from(',');
  const CLOSE_BRACKET = Buffer.from(']');
  function repoJson(user: FakeUser, i: number): Buffer {
    const key = `${user.login}\n${i}`;
    let json = repoJsonCache.get(key);
    if (json === undefined) {
      json = Buffer.from(JSON.stringify(makeRepo(user, i)));
      repoJsonCache.set(key, json);
    }
    return json;
  }

  function makeRepo(user: FakeUser, i: number): Record<string, unknown> {
    const name = `repo-${String(i).padStart(4, '0')}`;
    const full = `${user.login}/${name}`;
    const text = repoTemplate()
      .split('https://api.github.com/').join(`${url}/api/v3/`)
      .split('git://github.com/').join(`git://${host}/`)
      .split('git@github.com:').join(`git@${host}:`)
      .split('https://github.com/').join(`${url}/`)
      .split('octokit-fixture-org/hello-world').join(full);
    const repo = JSON.parse(text) as Record<string, unknown>;
    const id = 100000 + i;
    const isPrivate = i % 3 === 0;
    const updated = new Date(REPO_EPOCH + i * 3600_000).toISOString().replace('.000Z', 'Z');
    Object.assign(repo, {
      id,
      node_id: Buffer.from(`010:Repository${id}`).toString('base64'),
      name,
      full_name: full,
      private: isPrivate,
      visibility: isPrivate ? 'private' : 'public',
      owner: ownerJson(user),
      description: i % 5 === 0 ? null : `Test repository number ${i}`,
      language: LANGUAGES[i % LANGUAGES.length] ?? null,
      stargazers_count: (i * 37) % 500,
      watchers_count: (i * 37) % 500,
      watchers: (i * 37) % 500,
      forks_count: i % 7,
      forks: i % 7,
      created_at: new Date(REPO_EPOCH - i * 86400_000).toISOString().replace('.000Z', 'Z'),
      updated_at: updated,
      pushed_at: updated,
      size: i * 10,
    });
    return repo;
  }

  function userRepos(req: IncomingMessage, res: ServerResponse, auth: TokenRecord, query: Params, u: URL): void {
    const user = findUser(auth.login);
    const count = repoCounts.get(user.login) ?? 0;
    const visibility = query.visibility ?? 'all';
    if (!['all', 'public', 'private'].includes(visibility)) {
      sendJson(res, 422, apiError(422, 'Validation Failed', 'https://docs.github.com/rest/repos/repos#list-repositories-for-the-authenticated-user'));
      return;
    }
    let indices = Array.from({ length: count }, (_, k) => k + 1);
    if (visibility === 'public') indices = indices.filter((i) => i % 3 !== 0);
    if (visibility === 'private') indices = indices.filter((i) => i % 3 === 0);
    const sort = query.sort ?? 'full_name';
    const direction = query.direction ?? (sort === 'full_name' ? 'asc' : 'desc');
    // i ascending == full_name ascending == updated/pushed ascending == created descending
    if (sort === 'created') indices.reverse();
    if (direction === 'desc') indices.reverse();

    let perPage = Number.parseInt(query.per_page ?? '30', 10);
    if (!Number.isFinite(perPage) || perPage < 1) perPage = 30;
    perPage = Math.min(perPage, 100);
    let page = Number.parseInt(query.page ?? '1', 10);
    if (!Number.isFinite(page) || page < 1) page = 1;
    const lastPage = Math.max(1, Math.ceil(indices.length / perPage));
    const slice = indices.slice((page - 1) * perPage, page * perPage);

    const linkFor = (p: number): string => {
      const lu = new URL(`${url}${u.pathname}`);
      for (const [k, v] of u.searchParams) if (k !== 'page') lu.searchParams.append(k, v);
      lu.searchParams.set('page', String(p));
      return lu.toString();
    };
    const links: string[] = [];
    if (indices.length > perPage || page > 1) {
      if (page > 1) links.push(`<${linkFor(Math.min(page - 1, lastPage))}>; rel="prev"`);
      if (page < lastPage) links.push(`<${linkFor(page + 1)}>; rel="next"`);
      if (!options.omitLastLink) {
        if (page < lastPage) links.push(`<${linkFor(lastPage)}>; rel="last"`);
        if (page > 1) links.push(`<${linkFor(1)}>; rel="first"`);
      }
    }
    const headers = apiHeaders(req, {
      'x-oauth-scopes': auth.scopes.join(', '),
      'x-accepted-oauth-scopes': '',
      ...(links.length ? { link: links.join(', ') } : {}),
    });
    if (!headers) return unsupportedVersion(req, res);
    const delay = options.pageDelay ? options.pageDelay(page) : 0;
    void http.sleep(delay).then(() => {
      // Same bytes as sendJson(slice.map(makeRepo)), from each repository's JSON made once.
      const parts: Buffer[] = [OPEN_BRACKET];
      slice.forEach((i, k) => parts.push(...(k > 0 ? [COMMA] : []), repoJson(user, i)));
      parts.push(CLOSE_BRACKET);
      send(res, 200, Buffer.concat(parts), { 'content-type': 'application/json; charset=utf-8', ...headers });
    });
  }

  function unsupportedVersion(req: IncomingMessage, res: ServerResponse): void {
    sendJson(
      res,
      400,
      apiError(400, `API version ${String(req.headers['x-github-api-version'])} is not supported.`, 'https://docs.github.com/rest/about-the-rest-api/api-versions'),
    );
  }

  function bearer(req: IncomingMessage): string | undefined {
    const m = /^(?:bearer|token)\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''));
    return m?.[1];
  }

  function api(req: IncomingMessage, res: ServerResponse, method: string, path: string, query: Params, body: Params, u: URL): void {
    const rest = path.slice('/api/v3'.length) || '/';

    // Application token endpoints (Basic auth with client credentials).
    const appMatch = /^\/applications\/([^/]+)\/(token|grant)$/.exec(rest);
    if (appMatch) return applications(req, res, method, decodeURIComponent(appMatch[1]!), appMatch[2]!, body);

    if (method === 'GET' && (rest === '/' || rest === '/meta')) {
      const headers = apiHeaders(req);
      if (!headers) return unsupportedVersion(req, res);
      sendJson(res, 200, rest === '/' ? { current_user_url: `${url}/api/v3/user` } : { verifiable_password_authentication: false, installed_version: '3.17.0' }, headers);
      return;
    }

    if (method === 'GET' && (rest === '/user' || rest === '/user/repos')) {
      const token = bearer(req);
      if (!token) {
        sendJson(res, 401, apiError(401, 'Requires authentication', 'https://docs.github.com/rest/users/users#get-the-authenticated-user'), apiHeaders(req) ?? {});
        return;
      }
      const auth = validAccess(token);
      if (!auth) {
        sendJson(res, 401, apiError(401, 'Bad credentials'), apiHeaders(req) ?? {});
        return;
      }
      if (rest === '/user/repos') return userRepos(req, res, auth, query, u);
      const headers = apiHeaders(req, { 'x-oauth-scopes': auth.scopes.join(', '), 'x-accepted-oauth-scopes': '' });
      if (!headers) return unsupportedVersion(req, res);
      sendJson(res, 200, userJson(findUser(auth.login)), headers);
      return;
    }
    sendJson(res, 404, apiError(404, 'Not Found'));
  }

  function applications(req: IncomingMessage, res: ServerResponse, method: string, clientId: string, what: string, body: Params): void {
    const m = /^basic\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
    const sep = decoded.indexOf(':');
    const user = sep >= 0 ? decoded.slice(0, sep) : '';
    const pass = sep >= 0 ? decoded.slice(sep + 1) : '';
    if (user !== options.clientId || pass !== options.clientSecret || clientId !== options.clientId) {
      sendJson(res, 401, apiError(401, 'Bad credentials'));
      return;
    }
    if (method !== 'DELETE' && !(method === 'POST' && what === 'token')) {
      sendJson(res, 404, apiError(404, 'Not Found'));
      return;
    }
    const docs =
      what === 'grant'
        ? 'https://docs.github.com/rest/apps/oauth-applications#delete-an-app-authorization'
        : 'https://docs.github.com/rest/apps/oauth-applications#delete-an-app-token';
    if (!body.access_token) {
      sendJson(res, 422, {
        message: 'Invalid request.\n\n"access_token" wasn\'t supplied.',
        documentation_url: docs,
        status: '422',
      });
      return;
    }
    const rec = validAccess(body.access_token) ?? (() => {
      const r = tokens.get(body.access_token!);
      // expired (but not revoked) tokens can still be revoked
      return r && r.kind === 'access' && !r.revoked ? r : undefined;
    })();
    if (!rec) {
      sendJson(res, 404, apiError(404, 'Not Found', docs));
      return;
    }
    if (method === 'POST') {
      // "Check a token"
      sendJson(res, 200, {
        id: 1,
        token: rec.token,
        scopes: rec.scopes,
        user: ownerJson(findUser(rec.login)),
        expires_at: rec.expiresAt ? new Date(rec.expiresAt).toISOString() : null,
      });
      return;
    }
    if (what === 'grant') {
      for (const t of [...tokens.values()]) {
        if (t.login === rec.login && t.kind === 'access' && !t.revoked) revokeAccess(t, 'grant');
        if (t.login === rec.login) t.revoked = true;
      }
    } else {
      revokeAccess(rec, 'api');
    }
    send(res, 204, '');
  }

  // ---- http server -------------------------------------------------------------------

  const http = await startFakeHttp<RecordedRequest['headers']>({
    replies,
    pickHeaders: (h) => ({
      accept: h.accept,
      'content-type': h['content-type'],
      'user-agent': h['user-agent'],
      'x-github-api-version': typeof h['x-github-api-version'] === 'string' ? h['x-github-api-version'] : undefined,
      authorization: h.authorization,
    }),
    latencyMs: () => options.latencyMs,
    route,
    internalError: (err) => apiError(500, `fake GitHub error: ${String(err)}`),
  });
  const { host, url, requests } = http;

  const fake: FakeGitHub = {
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
    setDevice,
    addUser(user) {
      users.push({ ...user });
    },
    setRepos(login, count) {
      repoCounts.set(login, count);
      repoJsonCache.clear();
    },
    approveDevice(login, userCode) {
      const rec = latestPendingDevice(deviceCodes, userCode);
      rec.status = 'approved';
      rec.approvedLogin = findUser(login ?? options.device.login).login;
    },
    denyDevice(userCode) {
      latestPendingDevice(deviceCodes, userCode).status = 'denied';
    },
    fail: http.fail,
    clearFaults: http.clearFaults,
    requestCount: http.requestCount,
    isTokenValid(token) {
      return validAccess(token) !== undefined;
    },
    issueToken(login, opts = {}) {
      const user = findUser(login);
      if (user.login !== login) throw new Error(`unknown user ${login}`);
      const scopes = parseScopes(opts.scopes ?? 'repo read:org gist');
      const saved = options.tokenLifetime;
      const wantRefresh = opts.refreshable ?? (opts.expired === true || options.tokenLifetime !== undefined);
      if (wantRefresh && options.tokenLifetime === undefined) options.tokenLifetime = 28800;
      if (!wantRefresh) options.tokenLifetime = undefined;
      let issued: IssuedToken;
      try {
        issued = mintTokens(login, scopes, randomHex(8));
      } finally {
        options.tokenLifetime = saved;
      }
      if (opts.expired) {
        const rec = tokens.get(issued.access_token)!;
        rec.expiresAt = Date.now() - 60_000;
        issued.expires_at = rec.expiresAt;
      }
      return issued;
    },
    expireToken(accessToken) {
      const rec = tokens.get(accessToken);
      if (!rec) throw new Error('unknown token');
      rec.expiresAt = Date.now() - 1;
    },
    expireRefreshToken(refreshToken) {
      const rec = tokens.get(refreshToken);
      if (!rec) throw new Error('unknown refresh token');
      rec.expiresAt = Date.now() - 1;
    },
    revokeToken(accessToken) {
      const rec = tokens.get(accessToken);
      if (!rec || rec.kind !== 'access') throw new Error('unknown token');
      revokeAccess(rec, 'test');
    },
    validTokens(login) {
      return [...tokens.values()]
        .filter((t) => t.kind === 'access' && (!login || t.login === login) && validAccess(t.token))
        .map((t) => t.token);
    },
    simulateBrowser: (authorizeUrl, opts) => simulateBrowser(authorizeUrl, '/login/oauth/authorize/decision', opts),
  };
  return fake;
}

/** A fault answering like GitHub's primary (403, remaining 0) or secondary (429/403 + retry-after) rate limit. */
export function rateLimitFault(opts: {
  kind?: 'primary' | 'secondary';
  status?: number;
  resetInSeconds?: number;
  retryAfter?: number;
  times?: number;
} = {}): FaultSpec {
  const reset = Math.floor(Date.now() / 1000) + (opts.resetInSeconds ?? 60);
  if (opts.kind === 'secondary') {
    return {
      status: opts.status ?? 403,
      times: opts.times,
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        status: String(opts.status ?? 403),
      },
      headers: { 'retry-after': String(opts.retryAfter ?? 1), 'x-ratelimit-remaining': '4000', 'x-ratelimit-reset': String(reset) },
    };
  }
  const headers: Record<string, string> = {
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '0',
    'x-ratelimit-used': '5000',
    'x-ratelimit-reset': String(reset),
    'x-ratelimit-resource': 'core',
  };
  if (opts.retryAfter !== undefined) headers['retry-after'] = String(opts.retryAfter);
  return {
    status: opts.status ?? 403,
    times: opts.times,
    body: {
      message: 'API rate limit exceeded for user ID 583231.',
      documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting',
      status: String(opts.status ?? 403),
    },
    headers,
  };
}

/** A fault answering with an HTML error page, like GitHub's "Unicorn" 5xx pages or a proxy. */
export function htmlErrorFault(status = 502, times = 1): FaultSpec {
  return {
    status,
    times,
    body: `<!DOCTYPE html>\n<html><head><title>Unicorn! · GitHub</title></head><body><h1>No server is currently available to service your request.</h1><p>Sorry about that. Please try refreshing and contact us if the problem persists.</p></body></html>\n`,
  };
}
