/**
 * The OAuth 2.0 state the hand-written fakes (github-server.ts, gitlab-server.ts,
 * google-server.ts) share, whatever their dialect: device codes and the poll state machine
 * (RFC 8628), authorization codes with PKCE (RFC 6749 §4.1, RFC 7636), token families with
 * rotation, reuse detection and revocation, and the small request helpers around them.
 *
 * What differs between providers stays in their files as data or a few lines: error names and
 * HTTP statuses, token formats, whether a refresh rotates, what a replayed refresh token does.
 * This module never answers HTTP itself; it returns what happened and the dialect answers.
 *
 * Loaded by bench/run.mjs (through github-server.ts) with Node's type stripping: strippable
 * TypeScript only, `.ts` import specifiers, node builtins and src/ leaf files only.
 */
import type { IncomingMessage } from 'node:http';
import { DEVICE_CODE_GRANT } from '../../src/oauth/device-grant.ts';
import { consentPageHtml, escapeHtml, pkceChallenge, randomHex, serverControls, type ConsentPage, type FakeHttp, type FakeServerControls, type ListenOptions, type Params } from './fake-http.ts';

export { DEVICE_CODE_GRANT };

// ---------------------------------------------------------------------------
// Request helpers
// ---------------------------------------------------------------------------

/** Scopes from a `scope` parameter: split on `separators`, duplicates dropped, order kept. */
export function splitScopes(scope: string | undefined, separators: RegExp = /\s+/): string[] {
  return [...new Set((scope ?? '').split(separators).filter(Boolean))];
}

export interface ClientCredentials {
  id?: string | undefined;
  secret?: string | undefined;
  method: 'client_secret_basic' | 'client_secret_post';
}

/**
 * Client credentials from HTTP Basic (RFC 6749 §2.3.1: both parts form-urlencoded) or else the
 * body's client_id / client_secret.
 */
export function clientCredentials(req: IncomingMessage, params: Params): ClientCredentials {
  const m = /^basic\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
  if (m) {
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    const dec = (s: string): string => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    if (sep >= 0) return { id: dec(decoded.slice(0, sep)), secret: dec(decoded.slice(sep + 1)), method: 'client_secret_basic' };
  }
  return { id: params.client_id, secret: params.client_secret, method: 'client_secret_post' };
}

/** The token of an `Authorization: Bearer …` header (or of another scheme matching `schemes`). */
export function bearerToken(req: IncomingMessage, schemes = /bearer/i): string | undefined {
  const m = /^(\S+)\s+(\S+)\s*$/.exec(String(req.headers.authorization ?? ''));
  return m && new RegExp(`^(?:${schemes.source})$`, 'i').test(m[1]!) ? m[2] : undefined;
}

/** A native client's loopback redirect URI (RFC 8252 §7.3): http, one of `hosts`, no fragment or userinfo. */
export function isLoopbackRedirect(uri: string | undefined, hosts = ['127.0.0.1', '[::1]', 'localhost'], requirePort = false): boolean {
  if (!uri) return false;
  try {
    const r = new URL(uri);
    return r.protocol === 'http:' && hosts.includes(r.hostname) && !r.hash && !r.username && !r.password && (!requirePort || r.port !== '');
  } catch {
    return false;
  }
}

/**
 * A fake's setOptions: every key given replaces the old value (`undefined` restores the default),
 * `device` is merged into the device options, `users` replaces the users; the listening options
 * (`tls`, `publicHost`) only count at start. Applies `initial` at once.
 */
export function optionSetter<P extends ListenOptions & { device?: object | undefined; users?: object[] | undefined }>(
  options: { device: object },
  defaults: object,
  users: object[],
  initial: P,
): (patch: P) => void {
  const set = (patch: P): void => {
    const { device, users: newUsers, tls: _tls, publicHost: _publicHost, ...rest } = patch;
    for (const [k, v] of Object.entries(rest)) (options as Record<string, unknown>)[k] = v === undefined ? (defaults as Record<string, unknown>)[k] : v;
    if (device) Object.assign(options.device, device);
    if (newUsers) users.splice(0, users.length, ...newUsers.map((u) => ({ ...u })));
  };
  set({ ...defaults, ...initial, users: undefined } as P);
  return set;
}

// ---------------------------------------------------------------------------
// Device flow (RFC 8628)
// ---------------------------------------------------------------------------

/**
 * - `approve`: after `pendingPolls` pending answers, the device code yields a token.
 * - `access_denied`: after `pendingPolls` pending answers, the user denies.
 * - `expired_token`: after `pendingPolls` pending answers, the code reports expired.
 * - `manual`: `authorization_pending` until the test calls `approveDevice()` / `denyDevice()`
 *   (or POSTs the provider's verification page).
 */
export type DeviceOutcome = 'approve' | 'access_denied' | 'expired_token' | 'manual';

export interface DeviceFlowOptions {
  /** Seconds the client must wait between polls (sent as `interval`). Fakes default to 1 (providers send 5). */
  interval: number;
  /** Lifetime of a device code in seconds (sent as `expires_in`). */
  expiresIn: number;
  /** How many (on-time) polls answer `authorization_pending` before the outcome. Default 1. */
  pendingPolls: number;
  /** Default 'approve'. */
  outcome: DeviceOutcome;
  /** 1-based poll number (counting every poll of that device code) that answers `slow_down`. */
  slowDownOnPoll?: number | undefined;
  /**
   * Seconds added to the required interval on every `slow_down`. RFC 8628 §3.5 has the client
   * add 5; GitHub says so in its answer (`interval`). Fakes default to 1 (GitHub) or 0.
   */
  slowDownIncrement: number;
  /**
   * Detect polls that arrive earlier than the current interval after the previous poll (0 ms
   * tolerance): recorded in `earlyPolls` and answered `slow_down`. Default true.
   */
  enforceInterval: boolean;
  /**
   * Also treat the FIRST poll as early when it comes sooner than `interval` after the device
   * code was issued (RFC 8628 only constrains the time between polls). Default false.
   */
  checkFirstPoll?: boolean | undefined;
}

/** Device options with the user who approves when a test does not say (username, or email or sub). Default: the first user. */
export interface DeviceFlowUserOptions extends DeviceFlowOptions {
  user?: string | undefined;
}

export interface DevicePollRecord {
  time: number;
  /** The error answered, or 'success'. */
  result: string;
}

export interface DeviceCodeRecord {
  device_code: string;
  user_code: string;
  client_id: string;
  /** Scopes as granted (parsed from the request). */
  scopes: string[];
  /** The `scope` parameter exactly as the client sent it (to check its separator). */
  scope?: string | undefined;
  createdAt: number;
  expiresAt: number;
  /** Current required interval in seconds (grows on slow_down by slowDownIncrement). */
  interval: number;
  polls: DevicePollRecord[];
  status: 'pending' | 'approved' | 'denied' | 'consumed';
  /** The user who approved (the provider's user key: login, username or sub). */
  approvedBy?: string | undefined;
  /** internal: performance.now() of the previous poll */
  lastPollMono?: number | undefined;
  /** internal */
  pendingAnswered: number;
  /** internal: performance.now() at issuance */
  createdMono: number;
}

export interface EarlyPollRecord {
  device_code: string;
  time: number;
  /** Milliseconds since the previous poll of that device code. */
  elapsedMs: number;
  /** Interval (ms) that was required at that moment. */
  requiredMs: number;
}

/** A poll's outcome: an RFC 8628 §3.5 error (already recorded), or approval (record 'success' after issuing). */
export type DevicePoll = { error: string; interval: number } | { approvedBy: string | undefined; record: DeviceCodeRecord };

export interface DeviceFlow {
  readonly codes: DeviceCodeRecord[];
  readonly earlyPolls: EarlyPollRecord[];
  start(init: Pick<DeviceCodeRecord, 'device_code' | 'user_code' | 'client_id' | 'scopes' | 'scope'>): DeviceCodeRecord;
  get(deviceCode: string | undefined): DeviceCodeRecord | undefined;
  /** The state machine; `consumedError` is what a code that already produced tokens answers. */
  poll(rec: DeviceCodeRecord, mono: number, consumedError: string): DevicePoll;
  /** Approve the most recent pending code (or the one with `userCode`) as `by`. */
  approve(by: string, userCode?: string): void;
  deny(userCode?: string): void;
  /** The verification page's form: user code as typed (case and dashes ignored), decision. */
  submit(userCode: string | undefined, decision: string | undefined, by: string): 'invalid' | 'denied' | 'approved';
}

export function createDeviceFlow(options: () => DeviceFlowOptions): DeviceFlow {
  const codes: DeviceCodeRecord[] = [];
  const earlyPolls: EarlyPollRecord[] = [];
  const byCode = new Map<string, DeviceCodeRecord>();
  const canonical = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9]/g, '');

  function latestPending(userCode?: string): DeviceCodeRecord {
    const rec = codes.filter((d) => d.status === 'pending' && (!userCode || canonical(d.user_code) === canonical(userCode))).at(-1);
    if (!rec) throw new Error(`no pending device code${userCode ? ` with user_code ${userCode}` : ''}`);
    return rec;
  }

  return {
    codes,
    earlyPolls,
    start(init) {
      const d = options();
      const now = Date.now();
      const rec: DeviceCodeRecord = {
        ...init,
        createdAt: now,
        expiresAt: now + d.expiresIn * 1000,
        interval: d.interval,
        polls: [],
        status: 'pending',
        pendingAnswered: 0,
        createdMono: performance.now(),
      };
      codes.push(rec);
      byCode.set(rec.device_code, rec);
      return rec;
    },
    get: (deviceCode) => (deviceCode ? byCode.get(deviceCode) : undefined),
    poll(rec, mono, consumedError) {
      const now = Date.now();
      const d = options();
      const answer = (error: string): DevicePoll => {
        rec.polls.push({ time: now, result: error });
        return { error, interval: rec.interval };
      };
      const slowDown = (): DevicePoll => {
        rec.interval += d.slowDownIncrement;
        return answer('slow_down');
      };
      const pollNo = rec.polls.length + 1;
      const last = rec.lastPollMono ?? (d.checkFirstPoll ? rec.createdMono : undefined);
      rec.lastPollMono = mono;
      if (rec.status === 'consumed') return answer(consumedError);
      if (now >= rec.expiresAt) return answer('expired_token');
      if (d.enforceInterval && last !== undefined && mono - last < rec.interval * 1000) {
        earlyPolls.push({ device_code: rec.device_code, time: now, elapsedMs: mono - last, requiredMs: rec.interval * 1000 });
        return slowDown();
      }
      if (d.slowDownOnPoll !== undefined && pollNo === d.slowDownOnPoll) return slowDown();
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
      }
      rec.status = 'consumed';
      rec.polls.push({ time: now, result: 'success' });
      return { approvedBy: rec.approvedBy, record: rec };
    },
    approve(by, userCode) {
      const rec = latestPending(userCode);
      rec.status = 'approved';
      rec.approvedBy = by;
    },
    deny(userCode) {
      latestPending(userCode).status = 'denied';
    },
    submit(userCode, decision, by) {
      const typed = canonical(userCode ?? '');
      const rec = codes.find((d) => canonical(d.user_code) === typed);
      if (!typed || !rec || rec.status !== 'pending' || rec.expiresAt <= Date.now()) return 'invalid';
      if (decision === 'deny') {
        rec.status = 'denied';
        return 'denied';
      }
      rec.status = 'approved';
      rec.approvedBy = by;
      return 'approved';
    },
  };
}

/** The provider's wording of its verification page (`verification_uri`). */
export interface DevicePage {
  /** Where the form posts `user_code` and `decision`. */
  action: string;
  heading: string;
  label: string;
  authorizeLabel: string;
  denyLabel: string;
}

export function devicePageHtml(page: DevicePage, userCode: string | undefined): string {
  return `<h1>${page.heading}</h1>
<form method="post" action="${page.action}">
  <label>${page.label} <input name="user_code" value="${escapeHtml(userCode ?? '')}"></label>
  <button id="authorize" name="decision" value="authorize" type="submit">${page.authorizeLabel}</button>
  <button id="deny" name="decision" value="deny" type="submit">${page.denyLabel}</button>
</form>`;
}

// ---------------------------------------------------------------------------
// Authorization codes and PKCE (RFC 6749 §4.1, RFC 7636)
// ---------------------------------------------------------------------------

/** An authorization request waiting for the user's decision; `X` is the provider's own parameters. */
export interface PendingAuthorization<X> {
  id: string;
  client_id: string;
  redirect_uri: string;
  scopes: string[];
  state?: string | undefined;
  code_challenge?: string | undefined;
  /** 'S256' or 'plain' (the provider decides which it accepts). */
  code_challenge_method?: string | undefined;
  extra: X;
}

export interface AuthCode<X> {
  code: string;
  client_id: string;
  redirect_uri: string;
  scopes: string[];
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
  /** Who authorized (the provider's user key). */
  subject: string;
  expiresAt: number;
  used: boolean;
  /** The token family issued from it (a replay may revoke it). */
  family?: string | undefined;
  extra: X;
}

export type Redemption<X> =
  | { ok: true; code: AuthCode<X> }
  | { ok: false; reason: 'unknown' | 'reused' | 'redirect_uri' | 'verifier_missing' | 'verifier_mismatch'; code?: AuthCode<X> | undefined };

export interface AuthCodes<X> {
  /** Keep a request until the consent page's decision comes back. */
  begin(request: Omit<PendingAuthorization<X>, 'id'>): PendingAuthorization<X>;
  /**
   * The consent page's form (`request_id`, `decision`): the pending request it answers (forgotten
   * now), its `state` as a redirect parameter, and whether the user authorized. Undefined for an
   * unknown request.
   */
  decide(form: Params): { request: PendingAuthorization<X>; state: Params; approved: boolean } | undefined;
  /** A code for an approved request. RFC 6749 §4.1.2 recommends at most 10 minutes; GitHub documents 10. */
  grant(request: PendingAuthorization<X>, code: string, subject: string, scopes: string[], lifetimeMs?: number): AuthCode<X>;
  /**
   * The token endpoint's checks, in order: a code this client holds and that has not expired
   * ('unknown'), not used before ('reused'), the same redirect_uri ('redirect_uri'), then the
   * PKCE verifier. A failed verifier burns the code when `burnOnVerifierFailure`.
   */
  redeem(code: string | undefined, clientId: string | undefined, redirectUri: string | undefined, verifier: string | undefined, burnOnVerifierFailure?: boolean): Redemption<X>;
}

export function createAuthCodes<X>(): AuthCodes<X> {
  const pending = new Map<string, PendingAuthorization<X>>();
  const codes = new Map<string, AuthCode<X>>();
  return {
    begin(request) {
      const p = { ...request, id: randomHex(12) };
      pending.set(p.id, p);
      return p;
    },
    decide(form) {
      const p = form.request_id ? pending.get(form.request_id) : undefined;
      if (!p) return undefined;
      pending.delete(p.id);
      const state: Params = p.state !== undefined ? { state: p.state } : {};
      return { request: p, state, approved: form.decision === 'authorize' };
    },
    grant(p, code, subject, scopes, lifetimeMs = 10 * 60 * 1000) {
      const rec: AuthCode<X> = {
        code,
        client_id: p.client_id,
        redirect_uri: p.redirect_uri,
        scopes,
        code_challenge: p.code_challenge,
        code_challenge_method: p.code_challenge_method,
        subject,
        expiresAt: Date.now() + lifetimeMs,
        used: false,
        extra: p.extra,
      };
      codes.set(code, rec);
      return rec;
    },
    redeem(code, clientId, redirectUri, verifier, burn = false) {
      const rec = code ? codes.get(code) : undefined;
      if (!rec || rec.client_id !== clientId || rec.expiresAt <= Date.now()) {
        if (rec) rec.used = true;
        return { ok: false, reason: 'unknown', code: rec };
      }
      if (rec.used) return { ok: false, reason: 'reused', code: rec };
      if (redirectUri !== rec.redirect_uri) return { ok: false, reason: 'redirect_uri', code: rec };
      if (rec.code_challenge !== undefined) {
        const fail = (reason: 'verifier_missing' | 'verifier_mismatch'): Redemption<X> => {
          if (burn) rec.used = true;
          return { ok: false, reason, code: rec };
        };
        if (!verifier) return fail('verifier_missing');
        const expected = rec.code_challenge_method === 'plain' ? verifier : pkceChallenge(verifier);
        if (expected !== rec.code_challenge) return fail('verifier_mismatch');
      }
      rec.used = true;
      return { ok: true, code: rec };
    },
  };
}

/** The provider's wording of its consent page. */
export type ConsentWording = Omit<ConsentPage, 'requestId' | 'login' | 'scopes' | 'redirectUri'>;

/** The consent page for a pending request: `login` is who is signed in, `scopes` what is shown. */
export function consentPage(request: PendingAuthorization<unknown>, login: string, scopes: string[], wording: ConsentWording): string {
  return consentPageHtml({ ...wording, requestId: request.id, login, scopes, redirectUri: request.redirect_uri });
}

// ---------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------

/**
 * One access or refresh token. Tokens of one grant share a `family`: what a provider revokes
 * together (GitHub: a refresh chain; GitLab: one access/refresh pair; Google: a refresh token and
 * every access token made from it).
 */
export interface TokenRecord {
  token: string;
  kind: 'access' | 'refresh';
  /** The user (the provider's user key: login, username or sub). */
  subject: string;
  clientId: string;
  scopes: string[];
  family: string;
  /** The flow that started the family: 'device_code', 'authorization_code' or 'test'. */
  flow: string;
  createdAt: number;
  expiresAt?: number | undefined;
  revoked: boolean;
  /** Refresh tokens: already exchanged (rotated away). */
  used: boolean;
  /** Access tokens: the refresh token issued with it (or that it was made from). */
  refresh?: string | undefined;
}

export interface MintRequest {
  subject: string;
  clientId: string;
  scopes: string[];
  flow: string;
  /** Default: a new family. */
  family?: string | undefined;
  accessToken: string;
  /** Seconds; undefined = never expires. */
  accessExpiresIn?: number | undefined;
  /** A new refresh token to issue with it… */
  refreshToken?: string | undefined;
  refreshExpiresIn?: number | undefined;
  /** …or an existing one the access token is made from (providers that don't rotate). */
  refreshOf?: string | undefined;
  now?: number | undefined;
}

export type RefreshCheck = { ok: true; rec: TokenRecord } | { ok: false; reason: 'unknown' | 'revoked' | 'reused' | 'expired'; rec?: TokenRecord | undefined };

export type AccessState = { ok: true; rec: TokenRecord } | { ok: false; reason: 'missing' | 'unknown' | 'expired' | 'revoked' };

export interface TokenStore {
  readonly tokens: Map<string, TokenRecord>;
  mint(m: MintRequest): { access: TokenRecord; refresh?: TokenRecord | undefined };
  /** The record of a token (of `kind`, when given). */
  find(token: string | undefined, kind?: TokenRecord['kind']): TokenRecord | undefined;
  accessState(token: string | undefined): AccessState;
  /** A known, unrevoked, unexpired access token. */
  validAccess(token: string | undefined): TokenRecord | undefined;
  /** The checks of a refresh_token grant, for a token issued to `clientId`: nothing is changed. */
  checkRefresh(token: string | undefined, clientId: string | undefined): RefreshCheck;
  /**
   * Revoke `rec`'s whole family (or only `rec`), calling the store's onRevoke with what was
   * newly revoked. Returns that list.
   */
  revoke(rec: TokenRecord, via: string, only?: boolean): TokenRecord[];
  /** Make a token expire now (server side). */
  expire(token: string, kind?: TokenRecord['kind']): void;
  /** Live (unrevoked, unused, unexpired) refresh tokens of a user at a client, oldest first. */
  liveRefreshTokens(clientId: string, subject: string): TokenRecord[];
}

/**
 * `onRevoke(trigger, revoked, via)` runs whenever tokens are revoked, so each provider can keep
 * its own revocation log.
 */
export function createTokenStore(onRevoke: (trigger: TokenRecord, revoked: TokenRecord[], via: string) => void): TokenStore {
  const tokens = new Map<string, TokenRecord>();
  const expired = (r: TokenRecord, now = Date.now()): boolean => r.expiresAt !== undefined && r.expiresAt <= now;

  const store: TokenStore = {
    tokens,
    mint(m) {
      const now = m.now ?? Date.now();
      const family = m.family ?? randomHex(8);
      const base = { subject: m.subject, clientId: m.clientId, scopes: m.scopes, family, flow: m.flow, createdAt: now, revoked: false, used: false };
      let refresh: TokenRecord | undefined;
      if (m.refreshToken !== undefined) {
        refresh = { ...base, token: m.refreshToken, kind: 'refresh', expiresAt: m.refreshExpiresIn === undefined ? undefined : now + m.refreshExpiresIn * 1000 };
        tokens.set(refresh.token, refresh);
      }
      const access: TokenRecord = {
        ...base,
        token: m.accessToken,
        kind: 'access',
        expiresAt: m.accessExpiresIn === undefined ? undefined : now + m.accessExpiresIn * 1000,
        refresh: refresh?.token ?? m.refreshOf,
      };
      tokens.set(access.token, access);
      return { access, refresh };
    },
    find(token, kind) {
      const r = token ? tokens.get(token) : undefined;
      return r && (!kind || r.kind === kind) ? r : undefined;
    },
    accessState(token) {
      if (!token) return { ok: false, reason: 'missing' };
      const rec = store.find(token, 'access');
      if (!rec) return { ok: false, reason: 'unknown' };
      if (rec.revoked) return { ok: false, reason: 'revoked' };
      if (expired(rec)) return { ok: false, reason: 'expired' };
      return { ok: true, rec };
    },
    validAccess(token) {
      const st = store.accessState(token);
      return st.ok ? st.rec : undefined;
    },
    checkRefresh(token, clientId) {
      const rec = store.find(token, 'refresh');
      if (!rec || rec.clientId !== clientId) return { ok: false, reason: 'unknown', rec };
      if (rec.revoked) return { ok: false, reason: 'revoked', rec };
      if (rec.used) return { ok: false, reason: 'reused', rec };
      if (expired(rec)) return { ok: false, reason: 'expired', rec };
      return { ok: true, rec };
    },
    revoke(rec, via, only = false) {
      const revoked: TokenRecord[] = [];
      for (const t of only ? [rec] : tokens.values()) {
        if (t.family !== rec.family || t.revoked) continue;
        t.revoked = true;
        revoked.push(t);
      }
      if (revoked.length) onRevoke(rec, revoked, via);
      return revoked;
    },
    expire(token, kind) {
      const rec = store.find(token, kind);
      if (!rec) throw new Error(`unknown ${kind ?? ''} token`.replace('  ', ' '));
      rec.expiresAt = Date.now() - 1;
    },
    liveRefreshTokens(clientId, subject) {
      const now = Date.now();
      return [...tokens.values()].filter((t) => t.kind === 'refresh' && t.clientId === clientId && t.subject === subject && !t.revoked && !t.used && !expired(t, now));
    },
  };
  return store;
}

// ---------------------------------------------------------------------------
// What a test sees of a fake
// ---------------------------------------------------------------------------

export type GrantType = 'authorization_code' | 'refresh_token' | 'device_code';

/** A successful token-endpoint grant, as every fake records it (each adds who and how). */
export interface OAuthGrantRecord {
  grant_type: GrantType;
  /** Whether the client sent its secret. */
  client_secret_sent: boolean;
  /** Whether a PKCE code_verifier was used (authorization_code only). */
  pkce: boolean;
  time: number;
  access_token: string;
  refresh_token?: string | undefined;
  /** Granted scopes, as in the token response. */
  scope: string;
}

/** Options every OAuth fake takes, besides its own. */
export interface FakeOAuthOptions<U, D> extends ListenOptions {
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  users?: U[] | undefined;
  /** Merged into the device flow's options. */
  device?: Partial<D> | undefined;
  /** Added to every request (ms). */
  latencyMs?: number | undefined;
}

/** A provider's types for FakeOAuthServer. */
export interface OAuthFakeTypes {
  options: { device: DeviceFlowOptions };
  /** setOptions' argument. */
  patch: object;
  user: object;
  request: object;
  grant: object;
  revocation: object;
}

/** The records and controls every hand-written OAuth fake offers; each adds its own. */
export interface FakeOAuthServer<T extends OAuthFakeTypes> extends FakeServerControls {
  /** Live options; mutate directly or via setOptions(). */
  readonly options: T['options'];
  readonly users: T['user'][];
  readonly requests: T['request'][];
  readonly grants: T['grant'][];
  readonly revocations: T['revocation'][];
  readonly earlyPolls: EarlyPollRecord[];
  readonly deviceCodes: DeviceCodeRecord[];
  setOptions(patch: T['patch']): void;
  setDevice(patch: Partial<T['options']['device']>): void;
  addUser(user: T['user']): void;
  /** Approve the most recent pending device code (or the one with userCode) as `user` (default: the device options' user). */
  approveDevice(user?: string, userCode?: string): void;
  /** Deny the most recent pending device code (or the one with userCode). */
  denyDevice(userCode?: string): void;
  /** True for a known, unexpired, unrevoked access token. */
  isTokenValid(token: string): boolean;
  /** Make an access token expire now (server side). */
  expireToken(accessToken: string): void;
  /** Revoke a token (and what the provider revokes with it), as the user or an admin would. */
  revokeToken(token: string): void;
  /** All currently valid access tokens (optionally of one user). */
  validTokens(user?: string): string[];
}

export interface OAuthFakeParts<T extends OAuthFakeTypes> {
  http: FakeHttp<unknown>;
  /** Where the consent page posts (for simulateBrowser). */
  decisionPath: string;
  options: T['options'];
  users: T['user'][];
  requests: T['request'][];
  grants: T['grant'][];
  revocations: T['revocation'][];
  devices: DeviceFlow;
  store: TokenStore;
  setOptions(patch: T['patch']): void;
  /** The key (login, username, sub) of the user a test names, or of the default one. */
  userKey(who: string | undefined): string;
  /** Who approves a device code when a test does not say. */
  approver(): string | undefined;
}

export function fakeOAuthServer<T extends OAuthFakeTypes>(p: OAuthFakeParts<T>): FakeOAuthServer<T> {
  const { devices, store } = p;
  return {
    ...serverControls(p.http, p.decisionPath),
    options: p.options,
    users: p.users,
    requests: p.requests,
    grants: p.grants,
    revocations: p.revocations,
    earlyPolls: devices.earlyPolls,
    deviceCodes: devices.codes,
    setOptions: p.setOptions,
    setDevice: (patch) => void Object.assign(p.options.device, patch),
    addUser: (user) => void p.users.push({ ...user }),
    approveDevice: (user, userCode) => devices.approve(p.userKey(user ?? p.approver()), userCode),
    denyDevice: (userCode) => devices.deny(userCode),
    isTokenValid: (token) => store.validAccess(token) !== undefined,
    expireToken: (token) => store.expire(token, 'access'),
    revokeToken(token) {
      const rec = store.find(token);
      if (!rec) throw new Error('unknown token');
      store.revoke(rec, 'test');
    },
    validTokens(user) {
      const key = user === undefined ? undefined : p.userKey(user);
      return [...store.tokens.values()].filter((t) => (!key || t.subject === key) && store.validAccess(t.token)).map((t) => t.token);
    },
  };
}
