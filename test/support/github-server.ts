/**
 * A local, GitHub-compatible fake for end-to-end tests of oauthcli: the OAuth endpoints here, the
 * REST API in github-rest.ts, the shared OAuth state in oauth-core.ts.
 *
 * Which GitHub it is depends on the host a request is addressed to (Host header, or the target of
 * an absolute-form request from a client using the fake as its HTTP proxy):
 * - `api.NAME` serves the REST API at its root, as api.github.com and GHE.com's
 *   api.SUBDOMAIN.ghe.com do; OAuth is on `NAME` (https://NAME/login/oauth/…);
 * - any other host (127.0.0.1:PORT by default, ghe.corp.test) has GitHub Enterprise Server's
 *   layout: OAuth under `/login/…`, REST under `/api/v3/…`.
 * The CLI reaches it with `--hostname 127.0.0.1:PORT` (or the `publicHost`, through a proxy).
 *
 * Behaviour follows https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
 * (cited beside each behaviour). Choices where GitHub's behaviour is undocumented are marked
 * "CHOICE:".
 *
 * bench/run.mjs loads this file with Node's type stripping: strippable TypeScript only, imports
 * with `.ts` (tsconfig allows it: allowImportingTsExtensions), node builtins and src/ leaf files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReplies, pkceChallenge, randomChars, randomHex, randomUserCode, startFakeHttp } from './fake-http.ts';
import type { Arrival, CommonRecordedHeaders, FaultSpec, PageDelay, Params, RecordedHttpRequest } from './fake-http.ts';
import { createGitHubRest, gitHubSite, htmlErrorFault, rateLimitFault, type FakeUser, type GitHubSite } from './github-rest.ts';
import { createBareRepo, isGitPath, serveGit, serviceOf, type GitRequestRecord } from './git-http.ts';
import { createGitHubApps, type FakeGitHubApp, type ManifestPostRecord } from './github-apps.ts';
import { DEVICE_CODE_GRANT, consentPage, createAuthCodes, createDeviceFlow, createTokenStore, devicePageHtml, fakeOAuthServer, isLoopbackRedirect, optionSetter, splitScopes } from './oauth-core.ts';
import type { DeviceFlowOptions, FakeOAuthOptions, FakeOAuthServer, OAuthGrantRecord } from './oauth-core.ts';

export { htmlErrorFault, pkceChallenge, rateLimitFault };
export type { FaultSpec };

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

export interface DeviceOptions extends DeviceFlowOptions {
  /** Which user approves. Default: first user. */
  login?: string | undefined;
  /** Answer `device_flow_disabled` on `/login/device/code`. */
  deviceFlowDisabled?: boolean | undefined;
}

/** Device defaults: interval 1 (GitHub: 5), expiresIn 900, pendingPolls 1, slowDownIncrement 1 (GitHub: 5). */
export interface FakeGitHubOptions extends FakeOAuthOptions<FakeUser, DeviceOptions> {
  /** Access token lifetime in seconds (GitHub: 28800). Undefined = classic non-expiring tokens. */
  tokenLifetime?: number | undefined;
  /** Refresh token lifetime in seconds (only with tokenLifetime). Default 15897600 (six months). */
  refreshTokenLifetime?: number | undefined;
  /**
   * Extra delay for `/user/repos?page=N`: milliseconds, or a promise the answer waits for (a test
   * holds a page until an event, e.g. until other pages' requests have arrived).
   */
  pageDelay?: PageDelay | undefined;
  /** Which user clicks "Authorize" on the web consent page. Default: first user. */
  webLogin?: string | undefined;
  /** When set, `iss=<value>` is appended to authorize redirects (RFC 9207). */
  issParam?: string | undefined;
  /** Drop rel="last" and rel="first" from Link headers. */
  omitLastLink?: boolean | undefined;
  /** Grant these scopes (comma/space separated) regardless of what was requested. */
  grantedScopes?: string | undefined;
  /** Require client_secret on every refresh_token grant, device-flow tokens' too. Default false. */
  requireClientSecretForRefresh?: boolean | undefined;
}

export interface ResolvedOptions {
  clientId: string;
  clientSecret: string;
  device: DeviceOptions;
  tokenLifetime?: number | undefined;
  refreshTokenLifetime: number;
  latencyMs: number;
  pageDelay?: PageDelay | undefined;
  webLogin?: string | undefined;
  issParam?: string | undefined;
  omitLastLink: boolean;
  grantedScopes?: string | undefined;
  requireClientSecretForRefresh: boolean;
}

export type RecordedRequest = RecordedHttpRequest<CommonRecordedHeaders & { 'x-github-api-version'?: string | undefined; 'accept-encoding'?: string | undefined }>;

/** `scope` is comma separated, as in GitHub's token response. */
export interface GrantRecord extends OAuthGrantRecord {
  login: string;
}

export interface RevocationRecord {
  access_token: string;
  login: string;
  time: number;
  /** 'refresh' = the access token a refresh replaced; 'family' = a replayed refresh token's whole chain. */
  via: 'api' | 'grant' | 'family' | 'refresh' | 'test';
}

/** Parameters of every GET /login/oauth/authorize, as sent. */
export interface AuthorizeRecord {
  time: number;
  client_id?: string | undefined;
  redirect_uri?: string | undefined;
  /** Raw, to check the separator the client used. */
  scope?: string | undefined;
  state?: string | undefined;
  login?: string | undefined;
  prompt?: string | undefined;
  allow_signup?: string | undefined;
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
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

/** A request to a git repository (`/<owner>/<repo>.git/…`) and the Basic credentials it carried. */
export interface GitRequest extends GitRequestRecord {
  /** The Basic password, or null when none was sent (for tests to compare with a token; never print it). */
  password: string | null;
  /** Whose live access token the password was, or null. */
  login: string | null;
}

type GitHubTypes = { options: ResolvedOptions; patch: FakeGitHubOptions; user: FakeUser; request: RecordedRequest; grant: GrantRecord; revocation: RevocationRecord };

export interface FakeGitHub extends FakeOAuthServer<GitHubTypes> {
  readonly authorizeRequests: AuthorizeRecord[];
  setRepos(login: string, count: number): void;
  /**
   * Mint tokens as if `login` had signed in. `flow` is how: refreshing device-flow tokens needs
   * no client secret (the default), web-flow ones do.
   */
  issueToken(login: string, opts?: { expired?: boolean; scopes?: string; refreshable?: boolean; flow?: 'device_code' | 'authorization_code' }): IssuedToken;
  /** Make a refresh token expire now (server side). */
  expireRefreshToken(refreshToken: string): void;
  /** Make an access token expire now (server side), as if its lifetime had passed. */
  expireAccessToken(accessToken: string): void;
  /**
   * Holds the answer to the next refresh_token grant: the server rotates (the old refresh token
   * is spent, the new tokens are live) and then waits until `release()` before answering, as a
   * slow network would. `rotated` resolves with the new tokens once that has happened.
   */
  holdNextRefresh(): { rotated: Promise<IssuedToken>; release(): void };
  /**
   * A token GitHub did not issue to this OAuth app (a personal access token, a `gh` token): the
   * REST API takes it, the app's revocation endpoint answers 404 for it.
   */
  issueForeignToken(login: string): string;
  /**
   * A bare repository served over git's smart HTTP at `${url}/<owner>/<name>.git` (with a README
   * commit on `main` unless `initialCommit: false`); returns its directory and clone URL.
   */
  createGitRepo(owner: string, name: string, opts?: { initialCommit?: boolean }): { dir: string; cloneUrl: string };
  /** Every request to a repository, in order of answer. */
  readonly gitRequests: GitRequest[];
  /** GitHub Apps registered through the manifest flow (github-apps.ts), oldest first. */
  readonly apps: FakeGitHubApp[];
  /** Every manifest posted to `…/settings/apps/new`. */
  readonly manifestPosts: ManifestPostRecord[];
  /** Makes every manifest code older than its hour. */
  expireManifestCodes(): void;
}

// ---------------------------------------------------------------------------
// Dialect
// ---------------------------------------------------------------------------

const DEFAULT_USER: FakeUser = { login: 'octocat', id: 583231, name: 'The Octocat', email: 'octocat@example.com' };
const DEVICE_ERROR_URI = 'https://docs.github.com/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow';
const TOKEN_ERROR_URI = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/';
const DEFAULTS: Partial<ResolvedOptions> = {
  clientId: 'test-client-id',
  clientSecret: 'test-client-secret',
  refreshTokenLifetime: 15897600,
  latencyMs: 0,
  omitLastLink: false,
  requireClientSecretForRefresh: false,
};

// Every answer of /login/oauth/access_token and /login/device/code is HTTP 200 with the error in
// the body, in the negotiated format (https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors).
const OAUTH_ERRORS: Record<string, [description: string, uri: string]> = {
  authorization_pending: ['The authorization request is still pending.', DEVICE_ERROR_URI],
  slow_down: ['Too many requests have been made in the same timeframe.', DEVICE_ERROR_URI],
  expired_token: ['The device code has expired.', DEVICE_ERROR_URI],
  unsupported_grant_type: ['The grant type is not supported.', DEVICE_ERROR_URI],
  incorrect_client_credentials: ['The client_id and/or client_secret passed are incorrect.', `${TOKEN_ERROR_URI}#incorrect-client-credentials`],
  incorrect_device_code: ['The device_code provided is not valid.', DEVICE_ERROR_URI],
  access_denied: ['The authorization request was denied.', DEVICE_ERROR_URI],
  device_flow_disabled: ['Device Flow must be explicitly enabled for this App', 'https://docs.github.com'],
  bad_verification_code: ['The code passed is incorrect or expired.', `${TOKEN_ERROR_URI}#bad-verification-code`],
  redirect_uri_mismatch: ['The redirect_uri MUST match the registered callback URL for this application.', `${TOKEN_ERROR_URI}#redirect-uri-mismatch2`],
  bad_refresh_token: ['The refresh token passed is incorrect or expired.', 'https://docs.github.com'],
};

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * `scope` is documented as a space-delimited list (authorize and /login/device/code, link above);
 * GitHub also accepts commas. CHOICE: granted scopes are reported sorted, comma separated, as in
 * the documented token responses ("repo,gist") and recorded fixtures.
 */
function parseScopes(scope: string | undefined): string[] {
  return splitScopes(scope, /[\s,]+/).sort();
}

function wantsJson(req: IncomingMessage): boolean {
  const accept = String(req.headers.accept ?? '').toLowerCase();
  return accept.includes('application/json') || accept.includes('+json');
}

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

export async function startFakeGitHub(initial: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const options = {
    device: { interval: 1, expiresIn: 900, pendingPolls: 1, outcome: 'approve', slowDownIncrement: 1, enforceInterval: true },
  } as ResolvedOptions;
  const devices = createDeviceFlow(() => options.device);
  const codes = createAuthCodes<Record<string, never>>();
  // A family is a refresh chain: every refresh adds to it, a replayed refresh token revokes it.
  const store = createTokenStore((_trigger, revoked, via) => {
    for (const t of revoked) if (t.kind === 'access') revocations.push({ access_token: t.token, login: t.subject, time: Date.now(), via: via as RevocationRecord['via'] });
  });
  const users: FakeUser[] = (initial.users ?? [DEFAULT_USER]).map((u) => ({ ...u }));
  const repoCounts = new Map<string, number>();
  const [grants, revocations, authorizeRequests]: [GrantRecord[], RevocationRecord[], AuthorizeRecord[]] = [[], [], []];

  const setOptions = optionSetter(options, DEFAULTS, users, initial);

  const findUser = (login: string | undefined): FakeUser => {
    const u = (login && users.find((x) => x.login === login)) || users[0];
    if (!u) throw new Error('fake GitHub has no users');
    return u;
  };

  // ---- tokens ---------------------------------------------------------------------------

  /**
   * Tokens for a grant. With `lifetime` (expiring user tokens): `ghu_` + a `ghr_` refresh token
   * (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens);
   * without: a classic `gho_` token that never expires.
   */
  function mint(login: string, scopes: string[], flow: string, lifetime: number | undefined, family?: string, now = Date.now(), clientId = options.clientId): IssuedToken {
    const { access, refresh } = store.mint({
      subject: login,
      clientId,
      scopes,
      flow,
      family,
      now,
      accessToken: (lifetime !== undefined ? 'ghu_' : 'gho_') + randomChars(BASE62, 36),
      accessExpiresIn: lifetime,
      refreshToken: lifetime !== undefined ? 'ghr_' + randomChars(BASE62, 76) : undefined,
      refreshExpiresIn: options.refreshTokenLifetime,
    });
    return { access_token: access.token, refresh_token: refresh?.token, expires_at: access.expiresAt, refresh_token_expires_at: refresh?.expiresAt, scope: scopes.join(',') };
  }

  function tokenResponse(issued: IssuedToken): Record<string, string | number> {
    if (!issued.refresh_token) return { access_token: issued.access_token, scope: issued.scope, token_type: 'bearer' };
    const now = Date.now();
    return {
      access_token: issued.access_token,
      expires_in: Math.round(((issued.expires_at ?? now) - now) / 1000),
      refresh_token: issued.refresh_token,
      refresh_token_expires_in: Math.round(((issued.refresh_token_expires_at ?? now) - now) / 1000),
      scope: issued.scope,
      token_type: 'bearer',
    };
  }

  function grantScopes(requested: string[]): string[] {
    return options.grantedScopes !== undefined ? parseScopes(options.grantedScopes) : requested;
  }

  // ---- responses --------------------------------------------------------------------------

  let requestSeq = 0;
  const replies = createReplies({
    everyAnswer: () => ({ 'x-github-request-id': `FAKE:${(++requestSeq).toString(16).toUpperCase()}` }),
    jsonType: 'application/json; charset=utf-8',
    // CHOICE: GitHub gzips its answers for clients that accept it (gh gets them through Go's
    // transport); its docs give no threshold, so answers under 1 KB go as they are.
    gzipFrom: 1024,
  });
  const { send, sendJson, sendHtml } = replies;
  const notFoundPage = (res: ServerResponse): void =>
    sendHtml(res, 404, 'Page not found · GitHub', '<h1>404</h1><p>This is not the web page you are looking for.</p>');

  /** Content negotiation for /login/* endpoints: JSON when asked, form-encoded otherwise (GitHub's default). */
  function sendOAuth(req: IncomingMessage, res: ServerResponse, status: number, obj: Record<string, string | number>): void {
    if (wantsJson(req)) return sendJson(res, status, obj);
    const form = new URLSearchParams(Object.entries(obj).map(([k, v]): [string, string] => [k, String(v)]));
    send(res, status, form.toString(), { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
  }

  function oauthError(req: IncomingMessage, res: ServerResponse, error: string, extra: Record<string, string | number> = {}, status = 200): void {
    const [description, uri] = OAUTH_ERRORS[error] ?? [error, 'https://docs.github.com'];
    sendOAuth(req, res, status, { error, error_description: description, error_uri: uri, ...extra });
  }

  // GitHub Apps registered from a manifest: their clients are accepted beside the configured OAuth app.
  const apps = createGitHubApps({
    sendHtml,
    sendJson: (res, status, obj) => sendJson(res, status, obj as Record<string, unknown>),
    redirectWith: (res, uri, params) => replies.redirectWith(res, uri, params),
    webLogin: () => findUser(options.webLogin).login,
    webOrigin: () => http.url,
  });
  const clientSecretOf = (clientId: string | undefined): string | undefined =>
    clientId === options.clientId ? options.clientSecret : apps.byClientId(clientId)?.clientSecret;
  /** A GitHub App's user tokens expire (8 hours) unless its owner opted out; an OAuth app's as configured. */
  const lifetimeFor = (clientId: string | undefined): number | undefined => (apps.byClientId(clientId)?.expiringTokens ? (options.tokenLifetime ?? 28800) : options.tokenLifetime);

  const rest = createGitHubRest({ replies, options, findUser, repoCounts, store, sleep: (ms) => http.sleep(ms), clientSecretOf });

  // ---- routing ----------------------------------------------------------------------------

  function route(req: IncomingMessage, res: ServerResponse, { mono, origin, requestUrl, path, query, method, body }: Arrival): void | Promise<void> {
    const site = gitHubSite(origin, path);
    const conversion = site.rest !== undefined && method === 'POST' ? /^\/app-manifests\/([^/]+)\/conversions$/.exec(site.rest) : null;
    if (conversion) return apps.conversion(res, decodeURIComponent(conversion[1]!));
    if (site.rest !== undefined) return rest.route(req, res, method, { ...site, rest: site.rest }, query, body, requestUrl);
    // Like GitHub, /login/oauth/access_token also reads parameters from the query string.
    const params: Params = { ...query, ...body };
    if (method === 'POST' && path === '/login/device/code') return deviceCode(req, res, params, site);
    if (method === 'GET' && path === '/login/device') return sendHtml(res, 200, 'Device Activation', devicePageHtml(DEVICE_PAGE, query.user_code));
    if (method === 'POST' && path === '/login/device') return deviceDecision(res, params);
    if (method === 'POST' && path === '/login/oauth/access_token') return accessToken(req, res, params, mono);
    if (method === 'GET' && path === '/login/oauth/authorize') return authorize(res, query);
    if (method === 'POST' && path === '/login/oauth/authorize/decision') return authorizeDecision(res, params);
    // The app manifest flow (github-apps.ts): a person's new app, or an organization's.
    const newApp = /^(?:\/organizations\/([^/]+))?\/settings\/apps\/new$/.exec(path);
    if (newApp && method === 'GET') return apps.newAppForm(res);
    if (newApp && method === 'POST') return apps.manifestPost(res, path, query, body, newApp[1] ? decodeURIComponent(newApp[1]) : undefined);
    if (method === 'POST' && path === '/settings/apps/new/create') return apps.create(res, body);
    notFoundPage(res);
  }

  // ---- device flow (https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#device-flow)

  const DEVICE_PAGE = { action: '/login/device', heading: 'Device Activation', label: 'Enter the code displayed on your device', authorizeLabel: 'Authorize', denyLabel: 'Deny' };

  function deviceCode(req: IncomingMessage, res: ServerResponse, params: Params, site: GitHubSite): void {
    // CHOICE: an unknown/missing client_id answers HTTP 404 {"error":"Not Found"} (observed), in the negotiated format.
    if (clientSecretOf(params.client_id) === undefined) return sendOAuth(req, res, 404, { error: 'Not Found' });
    // Device flow is opt-in per app; otherwise HTTP 400 device_flow_disabled (documented error code; status observed).
    const app = apps.byClientId(params.client_id);
    if (options.device.deviceFlowDisabled || (app && !app.deviceFlow)) return oauthError(req, res, 'device_flow_disabled', {}, 400);
    const d = options.device;
    // device_code: 40 characters; user_code: 8 characters with a hyphen in the middle (documented).
    const rec = devices.start({ device_code: randomHex(20), user_code: randomUserCode(), client_id: params.client_id!, scopes: parseScopes(params.scope), scope: params.scope });
    sendOAuth(req, res, 200, { device_code: rec.device_code, expires_in: d.expiresIn, interval: d.interval, user_code: rec.user_code, verification_uri: `${site.web}/login/device` });
  }

  function deviceDecision(res: ServerResponse, params: Params): void {
    const outcome = devices.submit(params.user_code, params.decision, findUser(options.device.login).login);
    const text = { invalid: '<p id="error">Invalid or expired code.</p>', denied: '<p id="result">Access denied.</p>', approved: '<p id="result">Congratulations, you\'re all set!</p>' };
    sendHtml(res, 200, 'Device Activation', text[outcome]);
  }

  function devicePoll(req: IncomingMessage, res: ServerResponse, params: Params, mono: number): void {
    // "The client_secret is not needed for the device flow" (error codes table, link above).
    if (clientSecretOf(params.client_id) === undefined) return oauthError(req, res, 'incorrect_client_credentials');
    const rec = devices.get(params.device_code);
    if (!rec || rec.client_id !== params.client_id) return oauthError(req, res, 'incorrect_device_code');
    // CHOICE: a code that already produced a token answers incorrect_device_code.
    const polled = devices.poll(rec, mono, 'incorrect_device_code');
    // slow_down "adds 5 seconds to the last interval … The error response includes the new interval" (documented; 1 here by default).
    if ('error' in polled) return oauthError(req, res, polled.error, polled.error === 'slow_down' ? { interval: polled.interval } : {});
    const login = findUser(polled.approvedBy ?? options.device.login).login;
    const issued = mint(login, grantScopes(rec.scopes), 'device_code', lifetimeFor(params.client_id), undefined, Date.now(), params.client_id);
    grants.push({ grant_type: 'device_code', login, client_secret_sent: params.client_secret !== undefined, pkce: false, time: Date.now(), ...grantTokens(issued) });
    sendOAuth(req, res, 200, tokenResponse(issued));
  }

  function grantTokens(issued: IssuedToken): Pick<GrantRecord, 'access_token' | 'refresh_token' | 'scope'> {
    return { access_token: issued.access_token, refresh_token: issued.refresh_token, scope: issued.scope };
  }

  // ---- token endpoint -----------------------------------------------------------------------

  function accessToken(req: IncomingMessage, res: ServerResponse, params: Params, mono: number): void | Promise<void> {
    // CHOICE: like GitHub, a missing grant_type with a `code` means authorization_code.
    const grantType = params.grant_type ?? (params.code !== undefined ? 'authorization_code' : '');
    if (grantType === DEVICE_CODE_GRANT) return devicePoll(req, res, params, mono);
    if (grantType === 'authorization_code') return codeExchange(req, res, params);
    if (grantType === 'refresh_token') return refreshExchange(req, res, params);
    oauthError(req, res, 'unsupported_grant_type');
  }

  function codeExchange(req: IncomingMessage, res: ServerResponse, params: Params): void {
    // client_secret is required here (documented: "Required").
    const expected = clientSecretOf(params.client_id);
    if (expected === undefined || params.client_secret !== expected) return oauthError(req, res, 'incorrect_client_credentials');
    // CHOICE: redirect_uri must be identical when sent to /authorize (RFC 6749 §4.1.3); a failed
    // PKCE check burns the code (like a reused code). Codes live 10 minutes (documented).
    const r = codes.redeem(params.code, params.client_id, params.redirect_uri, params.code_verifier, true);
    if (!r.ok) return oauthError(req, res, r.reason === 'redirect_uri' ? 'redirect_uri_mismatch' : 'bad_verification_code');
    const issued = mint(r.code.subject, r.code.scopes, 'authorization_code', lifetimeFor(params.client_id), undefined, Date.now(), params.client_id);
    grants.push({ grant_type: 'authorization_code', login: r.code.subject, client_secret_sent: true, pkce: r.code.code_challenge !== undefined, time: Date.now(), ...grantTokens(issued) });
    sendOAuth(req, res, 200, tokenResponse(issued));
  }

  // https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
  const refreshHolds: Array<{ rotated(issued: IssuedToken): void; released: Promise<void> }> = [];

  function refreshExchange(req: IncomingMessage, res: ServerResponse, params: Params): void | Promise<void> {
    const secret = params.client_secret;
    const expected = clientSecretOf(params.client_id);
    if (expected === undefined || (secret !== undefined && secret !== expected)) return oauthError(req, res, 'incorrect_client_credentials');
    const check = store.checkRefresh(params.refresh_token, params.client_id);
    if (!check.ok) {
      // CHOICE: a replayed (already rotated) refresh token is taken as theft: its whole chain is revoked.
      if (check.reason === 'reused' && check.rec) store.revoke(check.rec, 'family');
      return oauthError(req, res, 'bad_refresh_token');
    }
    const old = check.rec;
    // client_secret: "Required unless the user access token was generated using the device flow."
    if (secret === undefined && (options.requireClientSecretForRefresh || old.flow !== 'device_code')) return oauthError(req, res, 'incorrect_client_credentials');
    // "Once you use a refresh token, that refresh token and the old user access token will no longer work."
    old.used = true;
    for (const t of store.tokens.values()) if (t.kind === 'access' && t.refresh === old.token) store.revoke(t, 'refresh', true);
    const issued = mint(old.subject, old.scopes, old.flow, lifetimeFor(old.clientId) ?? 28800, old.family, Date.now(), old.clientId);
    grants.push({ grant_type: 'refresh_token', login: old.subject, client_secret_sent: secret !== undefined, pkce: false, time: Date.now(), ...grantTokens(issued) });
    const hold = refreshHolds.shift();
    if (!hold) return sendOAuth(req, res, 200, tokenResponse(issued));
    hold.rotated(issued);
    return hold.released.then(() => sendOAuth(req, res, 200, tokenResponse(issued)));
  }

  // ---- web flow (https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#web-application-flow)

  const CONSENT = { action: '/login/oauth/authorize/decision', heading: 'Authorize oauthcli', noScopeItem: '(no scope) public data only', redirectLead: 'Authorizing will redirect to', denyLabel: 'Deny', authorizeLabel: 'Authorize' };

  function redirectWith(res: ServerResponse, redirectUri: string, params: Params): void {
    replies.redirectWith(res, redirectUri, options.issParam !== undefined ? { ...params, iss: options.issParam } : params);
  }

  function authorize(res: ServerResponse, q: Params): void {
    const { client_id, redirect_uri, scope, state, login, prompt, allow_signup, code_challenge, code_challenge_method } = q;
    authorizeRequests.push({ time: Date.now(), client_id, redirect_uri, scope, state, login, prompt, allow_signup, code_challenge, code_challenge_method });
    if (clientSecretOf(client_id) === undefined) return notFoundPage(res);
    // Loopback redirect URIs may use any port (documented: "Loopback redirect urls").
    if (!isLoopbackRedirect(redirect_uri, ['127.0.0.1'], true)) {
      // CHOICE: GitHub would redirect to the app's registered callback with
      // error=redirect_uri_mismatch; there is no registered callback here, so show an error page.
      return sendHtml(res, 400, 'Redirect URI mismatch', '<h1 id="error">redirect_uri_mismatch</h1><p>The redirect_uri MUST be a loopback http://127.0.0.1:PORT/ URL.</p>');
    }
    const stateParam: Params = state !== undefined ? { state } : {};
    // PKCE: "Only the S256 code challenge method is accepted" (https://github.blog/changelog/2025-07-14-pkce-support-for-oauth-and-github-app-authentication).
    if (code_challenge !== undefined && code_challenge_method !== 'S256') {
      return redirectWith(res, redirect_uri!, { error: 'invalid_request', error_description: 'code_challenge_method must be S256', ...stateParam });
    }
    if (code_challenge !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(code_challenge)) {
      return redirectWith(res, redirect_uri!, { error: 'invalid_request', error_description: 'invalid code_challenge', ...stateParam });
    }
    const ar = codes.begin({ client_id: client_id!, redirect_uri: redirect_uri!, scopes: parseScopes(scope), state, code_challenge, code_challenge_method, extra: {} });
    sendHtml(res, 200, 'Authorize application', consentPage(ar, findUser(options.webLogin).login, ar.scopes, CONSENT));
  }

  function authorizeDecision(res: ServerResponse, params: Params): void {
    const d = codes.decide(params);
    if (!d) return sendHtml(res, 422, 'Unprocessable', '<p id="error">This authorization request is no longer valid.</p>');
    if (!d.approved) {
      const errorUri = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied';
      return redirectWith(res, d.request.redirect_uri, { error: 'access_denied', error_description: 'The user has denied your application access.', error_uri: errorUri, ...d.state });
    }
    // "The temporary code will expire after 10 minutes."
    const code = codes.grant(d.request, randomHex(10), findUser(options.webLogin).login, grantScopes(d.request.scopes));
    redirectWith(res, d.request.redirect_uri, { code: code.code, ...d.state });
  }

  // ---- git over HTTPS ----------------------------------------------------------------------------
  // github.com and GHES serve repositories at /<owner>/<repo>.git. Over HTTPS git sends Basic auth,
  // and an OAuth token goes "instead of your password when performing Git operations over HTTPS"
  // ("Git automation with OAuth tokens", https://docs.github.com/enterprise/2.12/user/articles/git-automation-with-oauth-tokens;
  // "Caching your GitHub credentials in Git", https://docs.github.com/en/get-started/getting-started-with-git/caching-your-github-credentials-in-git),
  // with any user name (`x-access-token` in "Authenticating as a GitHub App installation",
  // https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation).
  // CHOICE: every repository here is private (no anonymous clone) and any live access token may
  // read and push any of them; git requests see no latency or faults, and are not in `requests`.
  // git-http-backend does the rest (git-http.ts); the request body is a binary stream, so the
  // request is taken over before fake-http.ts reads it.

  let gitRoot: string | undefined;
  const gitRequests: GitRequest[] = [];

  function takeOverGit(req: IncomingMessage, res: ServerResponse): boolean {
    const requestUrl = new URL(req.url ?? '/', 'http://git.invalid');
    const hostname = requestUrl.hostname === 'git.invalid' ? String(req.headers.host ?? '') : requestUrl.hostname;
    if (!gitRoot || hostname.startsWith('api.') || !isGitPath(requestUrl.pathname)) return false;
    const path = requestUrl.pathname;
    const record: GitRequest = {
      method: req.method ?? 'GET',
      path,
      service: serviceOf(path, requestUrl.searchParams),
      username: null,
      password: null,
      login: null,
      authorized: false,
      status: 0,
    };
    // Recorded as soon as the answer is sent, so before git can have read it all (git-http-backend
    // may still be busy after, e.g. with receive-pack's `gc --auto`).
    res.on('finish', () => gitRequests.push({ ...record, status: res.statusCode }));
    void serveGit(req, res, {
      projectRoot: gitRoot,
      authenticate(username, password) {
        const login = store.validAccess(password)?.subject ?? null;
        Object.assign(record, { username, password, login, authorized: login !== null });
        return record.authorized;
      },
    });
    return true;
  }

  // ---- http server ----------------------------------------------------------------------------

  const internalError = (err: unknown): unknown => ({ message: `fake GitHub error: ${String(err)}`, documentation_url: 'https://docs.github.com/rest', status: '500' });
  const http = await startFakeHttp<RecordedRequest['headers']>({ tls: initial.tls, publicHost: initial.publicHost, replies, recordHeaders: ['x-github-api-version', 'accept-encoding'], latencyMs: () => options.latencyMs, route, internalError, takeOver: takeOverGit });

  return {
    ...fakeOAuthServer<GitHubTypes>({ http, decisionPath: '/login/oauth/authorize/decision', options, users, requests: http.requests, grants, revocations, devices, store, setOptions, userKey: (login) => findUser(login).login, approver: () => options.device.login }),
    authorizeRequests,
    setRepos(login, count) {
      repoCounts.set(login, count);
      rest.clearCache();
    },
    issueToken(login, opts = {}) {
      if (findUser(login).login !== login) throw new Error(`unknown user ${login}`);
      const refreshable = opts.refreshable ?? (opts.expired === true || options.tokenLifetime !== undefined);
      const issued = mint(login, parseScopes(opts.scopes ?? 'repo read:org gist'), opts.flow ?? 'device_code', refreshable ? (options.tokenLifetime ?? 28800) : undefined);
      if (opts.expired) issued.expires_at = store.find(issued.access_token)!.expiresAt = Date.now() - 60_000;
      return issued;
    },
    expireRefreshToken: (refreshToken) => store.expire(refreshToken, 'refresh'),
    expireAccessToken: (accessToken) => store.expire(accessToken, 'access'),
    holdNextRefresh() {
      let rotated!: (issued: IssuedToken) => void;
      let release!: () => void;
      const answer = new Promise<IssuedToken>((resolve) => (rotated = resolve));
      refreshHolds.push({ rotated, released: new Promise<void>((resolve) => (release = resolve)) });
      return { rotated: answer, release };
    },
    issueForeignToken(login) {
      // A classic personal access token (ghp_ + 36 characters) belongs to no OAuth app.
      const { access } = store.mint({ subject: findUser(login).login, clientId: 'personal-access-token', scopes: ['repo'], flow: 'test', accessToken: 'ghp_' + randomChars(BASE62, 36) });
      return access.token;
    },
    gitRequests,
    apps: apps.apps,
    manifestPosts: apps.manifestPosts,
    expireManifestCodes: apps.expireManifestCodes,
    createGitRepo(owner, name, opts = {}) {
      gitRoot ??= mkdtempSync(join(tmpdir(), 'oauthcli-fake-git-'));
      const dir = createBareRepo(gitRoot, owner, name, { initialCommit: opts.initialCommit ?? true });
      return { dir, cloneUrl: `${http.url}/${owner}/${name}.git` };
    },
    async close() {
      await http.close();
      if (gitRoot) rmSync(gitRoot, { recursive: true, force: true });
    },
  };
}
