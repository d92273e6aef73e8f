/**
 * A local fake of Google's OAuth 2.0 / OpenID Connect endpoints for end-to-end tests of oauthcli.
 *
 * The CLI treats `http://127.0.0.1:PORT` as the issuer (`--hostname 127.0.0.1:PORT`) and reads the
 * discovery document, so every endpoint lives on this one server (Google spreads them over
 * accounts.google.com, oauth2.googleapis.com, openidconnect.googleapis.com, www.googleapis.com).
 *
 * Response shapes follow Google's documentation:
 * - https://developers.google.com/identity/protocols/oauth2/native-app
 * - https://developers.google.com/identity/protocols/oauth2/limited-input-device
 * - https://developers.google.com/identity/openid-connect/openid-connect
 * - https://accounts.google.com/.well-known/openid-configuration
 * Choices where Google's behaviour is undocumented or where the fake simplifies are marked "CHOICE:".
 *
 * Only node builtins and jose are used (HTTP plumbing shared with the other fakes in fake-http.ts).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import {
  consentPageHtml,
  createReplies,
  escapeHtml,
  latestPendingDevice,
  pkceChallenge,
  randomBase64url as randomToken,
  randomHex,
  randomUserCode,
  simulateBrowser,
  startFakeHttp,
} from './fake-http.js';
import type { Arrival, FakeServerControls, FaultSpec, Params, RecordedHttpRequest, SimulatedBrowserResult } from './fake-http.js';

export { pkceChallenge };

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

export const GOOGLE_DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
export const GOOGLE_EMAIL_SCOPE = 'https://www.googleapis.com/auth/userinfo.email';
export const GOOGLE_PROFILE_SCOPE = 'https://www.googleapis.com/auth/userinfo.profile';

export interface FakeGoogleUser {
  /** Google's numeric subject identifier (a 21-digit string). */
  sub: string;
  email: string;
  email_verified?: boolean | undefined;
  name?: string | undefined;
  given_name?: string | undefined;
  family_name?: string | undefined;
  picture?: string | undefined;
  /** Workspace domain (`hd` claim), if any. */
  hd?: string | undefined;
}

export type GoogleDeviceOutcome = 'approve' | 'access_denied' | 'expired_token' | 'manual';

export interface GoogleDeviceOptions {
  /** `interval` sent by /device/code (seconds). Google sends 5; default 1. */
  interval: number;
  /** `expires_in` (seconds). Google sends 1800. */
  expiresIn: number;
  /** Polls answered `authorization_pending` (HTTP 428) before the outcome. Default 1. */
  pendingPolls: number;
  outcome: GoogleDeviceOutcome;
  /** Which user approves (email or sub). Default: first user. */
  user?: string | undefined;
  /** 1-based poll number that answers `slow_down` (HTTP 403). */
  slowDownOnPoll?: number | undefined;
  /**
   * Polls arriving sooner than `interval` after the previous one are recorded in `earlyPolls` and
   * answered `slow_down`. Default true. CHOICE: Google's slow_down carries no new interval; the
   * fake does not grow the interval either.
   */
  enforceInterval: boolean;
}

export type ForgeIdToken = 'wrong-aud' | 'bad-signature' | 'expired' | 'wrong-nonce' | 'wrong-iss';

export interface FakeGoogleOptions {
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  users?: FakeGoogleUser[] | undefined;
  device?: Partial<GoogleDeviceOptions> | undefined;
  /** Access token lifetime (seconds). Google: 3599. */
  tokenLifetime?: number | undefined;
  /** ID token lifetime (seconds). Google: 3600. */
  idTokenLifetime?: number | undefined;
  /** Make the next issued ID tokens invalid in this way (until set back to undefined). */
  forgeIdToken?: ForgeIdToken | undefined;
  /** Which user signs in on the consent page (email or sub). Default: first user. */
  webUser?: string | undefined;
  /** Require PKCE (S256) on /o/oauth2/v2/auth. Default true. (Real Google: optional, plain allowed.) */
  requirePkce?: boolean | undefined;
  /** Include at_hash in ID tokens issued with an access token. Default true. */
  atHash?: boolean | undefined;
  /** Added to every request (ms). */
  latencyMs?: number | undefined;
}

export interface ResolvedGoogleOptions {
  clientId: string;
  clientSecret: string;
  device: GoogleDeviceOptions;
  tokenLifetime: number;
  idTokenLifetime: number;
  forgeIdToken?: ForgeIdToken | undefined;
  webUser?: string | undefined;
  requirePkce: boolean;
  atHash: boolean;
  latencyMs: number;
}

export type GoogleRecordedRequest = RecordedHttpRequest<{
  accept?: string | undefined;
  'content-type'?: string | undefined;
  'user-agent'?: string | undefined;
  authorization?: string | undefined;
}>;

/** Parameters of every /o/oauth2/v2/auth request (Google-specific ones included). */
export interface GoogleAuthorizeRecord {
  time: number;
  client_id?: string | undefined;
  redirect_uri?: string | undefined;
  response_type?: string | undefined;
  scope?: string | undefined;
  state?: string | undefined;
  nonce?: string | undefined;
  access_type?: string | undefined;
  prompt?: string | undefined;
  login_hint?: string | undefined;
  include_granted_scopes?: string | undefined;
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
}

export type GoogleGrantType = 'authorization_code' | 'refresh_token' | 'device_code';

export interface GoogleGrantRecord {
  grant_type: GoogleGrantType;
  sub: string;
  email: string;
  client_secret_sent: boolean;
  /** How the client authenticated at the token endpoint. */
  client_auth: 'client_secret_post' | 'client_secret_basic';
  pkce: boolean;
  time: number;
  access_token: string;
  refresh_token?: string | undefined;
  id_token?: string | undefined;
  scope: string;
}

export interface GoogleRevocationRecord {
  token: string;
  kind: 'access' | 'refresh';
  email: string;
  time: number;
  via: 'api' | 'test';
  /** Access tokens revoked along with it. */
  access_tokens: string[];
}

export interface GoogleEarlyPoll {
  device_code: string;
  time: number;
  elapsedMs: number;
  requiredMs: number;
}

export interface GoogleDeviceCodeRecord {
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

export type GoogleFaultSpec = FaultSpec;

export interface GoogleIssuedTokens {
  access_token: string;
  refresh_token?: string | undefined;
  id_token?: string | undefined;
  /** Epoch ms. */
  expires_at: number;
  /** Space-separated, as in the token response. */
  scope: string;
}

export type GoogleSimulatedBrowserResult = SimulatedBrowserResult;

export interface FakeGoogle extends FakeServerControls {
  /** Also the issuer. */
  readonly url: string;
  readonly issuer: string;
  readonly options: ResolvedGoogleOptions;
  readonly users: FakeGoogleUser[];
  readonly requests: GoogleRecordedRequest[];
  readonly authorizeRequests: GoogleAuthorizeRecord[];
  readonly grants: GoogleGrantRecord[];
  readonly revocations: GoogleRevocationRecord[];
  readonly earlyPolls: GoogleEarlyPoll[];
  readonly deviceCodes: GoogleDeviceCodeRecord[];
  /** Public JWKS (also at /oauth2/v3/certs). */
  readonly jwks: { keys: JWK[] };

  setOptions(patch: FakeGoogleOptions): void;
  setDevice(patch: Partial<GoogleDeviceOptions>): void;
  addUser(user: FakeGoogleUser): void;
  approveDevice(user?: string, userCode?: string): void;
  denyDevice(userCode?: string): void;


  /** True for a known, unexpired, unrevoked access token. */
  isTokenValid(token: string): boolean;
  /** True for a known, unrevoked refresh token. */
  isRefreshTokenValid(token: string): boolean;
  /**
   * Mint tokens directly (as if the user had signed in before).
   * Defaults: scopes `openid email profile`, refresh token (offline) included, not expired.
   */
  issueTokens(user?: string, opts?: { scopes?: string; offline?: boolean; expired?: boolean; nonce?: string }): Promise<GoogleIssuedTokens>;
  expireToken(accessToken: string): void;
  revokeToken(token: string): void;
  validTokens(user?: string): string[];
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const DEFAULT_USER: FakeGoogleUser = {
  sub: '110248495921238986420',
  email: 'alice@example.com',
  email_verified: true,
  name: 'Alice Example',
  given_name: 'Alice',
  family_name: 'Example',
};

/**
 * Google's scope normalisation: `email` / `profile` are granted as their URL forms.
 * CHOICE: the redirect's `scope` lists short + URL forms + openid (as observed from Google), the
 * token response lists the URL forms + openid.
 */
function grantedScopes(requested: string[]): string[] {
  const out = new Set<string>();
  for (const s of requested) {
    if (s === 'email' || s === GOOGLE_EMAIL_SCOPE) out.add(GOOGLE_EMAIL_SCOPE);
    else if (s === 'profile' || s === GOOGLE_PROFILE_SCOPE) out.add(GOOGLE_PROFILE_SCOPE);
    else out.add(s);
  }
  // CHOICE: URL scopes sorted, `openid` last (Google's order varies; this is a common one).
  const list = [...out].filter((x) => x !== 'openid').sort();
  if (out.has('openid')) list.push('openid');
  return list;
}

function redirectScopeParam(requested: string[]): string {
  const out: string[] = [];
  for (const s of requested) if (s === 'email' || s === 'profile') out.push(s);
  for (const s of grantedScopes(requested)) if (s !== 'openid') out.push(s);
  if (requested.includes('openid')) out.push('openid');
  return [...new Set(out)].join(' ');
}

function parseScopes(scope: string | undefined): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(/\s+/).filter(Boolean))];
}

const GOOGLE_DEVICE_SCOPES = new Set(['openid', 'email', 'profile', GOOGLE_EMAIL_SCOPE, GOOGLE_PROFILE_SCOPE]);

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

interface TokenRecord {
  token: string;
  kind: 'access' | 'refresh';
  sub: string;
  clientId: string;
  scopes: string[];
  createdAt: number;
  expiresAt?: number | undefined;
  revoked: boolean;
  /** access tokens: the refresh token they came from (if any). */
  refresh?: string | undefined;
}

interface AuthorizeRequest {
  id: string;
  client_id: string;
  redirect_uri: string;
  scopes: string[];
  state?: string | undefined;
  nonce?: string | undefined;
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
  access_type?: string | undefined;
  prompt?: string | undefined;
}

interface AuthCode {
  code: string;
  client_id: string;
  redirect_uri: string;
  scopes: string[];
  nonce?: string | undefined;
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
  sub: string;
  offline: boolean;
  expiresAt: number;
  used: boolean;
}

export async function startFakeGoogle(initial: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const options: ResolvedGoogleOptions = {
    clientId: '123456789012-fakeclient.apps.googleusercontent.com',
    clientSecret: 'GOCSPX-fake-client-secret',
    device: { interval: 1, expiresIn: 1800, pendingPolls: 1, outcome: 'approve', enforceInterval: true },
    tokenLifetime: 3599,
    idTokenLifetime: 3600,
    requirePkce: true,
    atHash: true,
    latencyMs: 0,
  };
  const users: FakeGoogleUser[] = initial.users ? initial.users.map((u) => ({ ...u })) : [{ ...DEFAULT_USER }];
  const authorizeRequests: GoogleAuthorizeRecord[] = [];
  const grants: GoogleGrantRecord[] = [];
  const revocations: GoogleRevocationRecord[] = [];
  const earlyPolls: GoogleEarlyPoll[] = [];
  const deviceCodes: GoogleDeviceCodeRecord[] = [];
  const deviceByCode = new Map<string, GoogleDeviceCodeRecord>();
  const tokens = new Map<string, TokenRecord>();
  const pendingAuth = new Map<string, AuthorizeRequest>();
  const authCodes = new Map<string, AuthCode>();
  /** `${clientId} ${sub}` pairs that already hold an offline grant (→ no new refresh token). */
  const offlineGrants = new Set<string>();

  function setOptions(patch: FakeGoogleOptions): void {
    const { device, users: newUsers, ...rest } = patch;
    for (const [k, v] of Object.entries(rest)) {
      if (v === undefined && ['clientId', 'clientSecret', 'tokenLifetime', 'idTokenLifetime', 'requirePkce', 'atHash', 'latencyMs'].includes(k)) continue;
      (options as unknown as Record<string, unknown>)[k] = v;
    }
    if (device) Object.assign(options.device, device);
    if (newUsers) users.splice(0, users.length, ...newUsers.map((u) => ({ ...u })));
  }
  setOptions({ ...initial, users: undefined });

  const findUser = (who: string | undefined): FakeGoogleUser => {
    const u = (who && users.find((x) => x.email === who || x.sub === who)) || users[0];
    if (!u) throw new Error('fake Google has no users');
    return u;
  };

  // ---- keys ---------------------------------------------------------------------------
  const kid = randomHex(20);
  const signing = await generateKeyPair('RS256', { extractable: true });
  const rogue = await generateKeyPair('RS256');
  const publicJwk: JWK = { ...(await exportJWK(signing.publicKey)), kid, alg: 'RS256', use: 'sig' };

  // ---- tokens -------------------------------------------------------------------------

  async function idToken(user: FakeGoogleUser, clientId: string, scopes: string[], accessToken: string | undefined, nonce: string | undefined): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const forge = options.forgeIdToken;
    const claims: Record<string, unknown> = {
      iss: forge === 'wrong-iss' ? 'https://accounts.example.invalid' : url,
      azp: clientId,
      aud: forge === 'wrong-aud' ? '999999999999-someoneelse.apps.googleusercontent.com' : clientId,
      sub: user.sub,
    };
    if (scopes.includes(GOOGLE_EMAIL_SCOPE)) {
      claims.email = user.email;
      claims.email_verified = user.email_verified ?? true;
    }
    if (user.hd) claims.hd = user.hd;
    if (accessToken && options.atHash) {
      claims.at_hash = createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');
    }
    if (forge === 'wrong-nonce') claims.nonce = 'forged-nonce-' + randomToken(6);
    else if (nonce !== undefined) claims.nonce = nonce;
    if (scopes.includes(GOOGLE_PROFILE_SCOPE)) {
      claims.name = user.name;
      claims.picture = user.picture ?? `${url}/a/${user.sub}=s96-c`;
      claims.given_name = user.given_name;
      claims.family_name = user.family_name;
    }
    const iat = forge === 'expired' ? now - 2 * options.idTokenLifetime : now;
    claims.iat = iat;
    claims.exp = iat + options.idTokenLifetime;
    for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
    const key: CryptoKey = forge === 'bad-signature' ? rogue.privateKey : signing.privateKey;
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(key);
  }

  function mintAccess(sub: string, clientId: string, scopes: string[], refresh: string | undefined, now = Date.now()): TokenRecord {
    const rec: TokenRecord = {
      token: 'ya29.' + randomToken(120),
      kind: 'access',
      sub,
      clientId,
      scopes,
      createdAt: now,
      expiresAt: now + options.tokenLifetime * 1000,
      revoked: false,
      refresh,
    };
    tokens.set(rec.token, rec);
    return rec;
  }

  function mintRefresh(sub: string, clientId: string, scopes: string[], now = Date.now()): TokenRecord {
    const rec: TokenRecord = { token: '1//' + randomToken(75), kind: 'refresh', sub, clientId, scopes, createdAt: now, revoked: false };
    tokens.set(rec.token, rec);
    return rec;
  }

  function validAccess(token: string | undefined): TokenRecord | undefined {
    if (!token) return undefined;
    const rec = tokens.get(token);
    if (!rec || rec.kind !== 'access' || rec.revoked) return undefined;
    if (rec.expiresAt !== undefined && rec.expiresAt <= Date.now()) return undefined;
    if (rec.refresh && tokens.get(rec.refresh)?.revoked) return undefined;
    return rec;
  }

  /** Revoke a token and everything of its grant (Google: revoking either revokes both). */
  function revokeGrant(rec: TokenRecord, via: GoogleRevocationRecord['via']): void {
    const refresh = rec.kind === 'refresh' ? rec : rec.refresh ? tokens.get(rec.refresh) : undefined;
    const revokedAccess: string[] = [];
    rec.revoked = true;
    if (refresh) {
      refresh.revoked = true;
      offlineGrants.delete(`${refresh.clientId} ${refresh.sub}`);
      for (const t of tokens.values()) {
        if (t.kind === 'access' && t.refresh === refresh.token && !t.revoked) {
          t.revoked = true;
          revokedAccess.push(t.token);
        }
      }
    }
    if (rec.kind === 'access' && !revokedAccess.includes(rec.token)) revokedAccess.push(rec.token);
    revocations.push({ token: rec.token, kind: rec.kind, email: findUser(rec.sub).email, time: Date.now(), via, access_tokens: revokedAccess });
  }

  async function tokenResponse(access: TokenRecord, refresh: TokenRecord | undefined, nonce: string | undefined): Promise<{ body: Record<string, string | number>; idToken?: string }> {
    const body: Record<string, string | number> = {
      access_token: access.token,
      expires_in: Math.max(0, Math.round(((access.expiresAt ?? Date.now()) - Date.now()) / 1000)),
    };
    if (refresh) body.refresh_token = refresh.token;
    body.scope = access.scopes.join(' ');
    body.token_type = 'Bearer';
    let id: string | undefined;
    if (access.scopes.includes('openid')) {
      id = await idToken(findUser(access.sub), access.clientId, access.scopes, access.token, nonce);
      body.id_token = id;
    }
    return { body, idToken: id };
  }

  /** A grant of `access` (the refresh token, where there is one, is for the caller to add). */
  function grantRecord(
    grant_type: GoogleGrantType,
    auth: GoogleGrantRecord['client_auth'],
    pkce: boolean,
    time: number,
    access: TokenRecord,
    idToken: string | undefined,
  ): GoogleGrantRecord {
    const user = findUser(access.sub);
    // Google's token endpoint turns away every request without the client secret.
    return { grant_type, sub: user.sub, email: user.email, client_secret_sent: true, client_auth: auth, pkce, time, access_token: access.token, id_token: idToken, scope: access.scopes.join(' ') };
  }

  // ---- responses ----------------------------------------------------------------------

  const replies = createReplies({
    jsonType: 'application/json; charset=utf-8',
    jsonHeaders: { 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate' },
    // Google pretty-prints its JSON.
    jsonIndent: 2,
    redirectPage: (href) => ({
      body: `<HTML><HEAD><TITLE>Moved Temporarily</TITLE></HEAD><BODY>The document has moved <A HREF="${href}">here</A>.</BODY></HTML>`,
      contentType: 'text/html; charset=UTF-8',
    }),
  });
  const { send, sendJson, sendHtml, redirectWith } = replies;
  function oauthError(res: ServerResponse, status: number, error: string, description: string): void {
    sendJson(res, status, { error, error_description: description });
  }
  /** Google's "Access blocked" / "Error 400" page (no redirect to the client). */
  function errorPage(res: ServerResponse, status: number, error: string, detail: string): void {
    sendHtml(res, status, 'Error', `<h1>Access blocked: This app’s request is invalid</h1>\n<p id="error">Error ${status}: ${escapeHtml(error)}</p>\n<p id="error-detail">${escapeHtml(detail)}</p>`);
  }

  /** Client credentials from client_secret_basic or client_secret_post. */
  function clientCredentials(req: IncomingMessage, params: Params): { id?: string | undefined; secret?: string | undefined; method: 'client_secret_post' | 'client_secret_basic' } {
    const m = /^basic\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    if (m) {
      const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      const dec = (s: string) => {
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

  // ---- routing ------------------------------------------------------------------------

  function route(req: IncomingMessage, res: ServerResponse, { mono, path, query, method, body }: Arrival): void | Promise<void> {
    if (method === 'GET' && path === '/.well-known/openid-configuration') return discovery(res);
    if (method === 'GET' && path === '/oauth2/v3/certs') return sendJson(res, 200, { keys: [publicJwk] }, { 'cache-control': 'public, max-age=21600' });
    if (method === 'GET' && path === '/o/oauth2/v2/auth') return authorize(res, query);
    if (method === 'POST' && path === '/o/oauth2/v2/auth/decision') return authorizeDecision(res, body);
    if (method === 'POST' && path === '/token') return token(req, res, { ...body }, mono);
    if (method === 'POST' && path === '/device/code') return deviceCode(res, body);
    if (method === 'GET' && path === '/device') return devicePage(res, query);
    if (method === 'POST' && path === '/device') return deviceDecision(res, body);
    if ((method === 'GET' || method === 'POST') && path === '/v1/userinfo') return userinfo(req, res);
    if (path === '/revoke') {
      if (method !== 'POST' && method !== 'GET') return oauthError(res, 405, 'invalid_request', 'Method not allowed');
      return revoke(res, { ...query, ...body });
    }
    if ((method === 'GET' || method === 'POST') && path === '/tokeninfo') return tokeninfo(res, { ...query, ...body });
    send(res, 404, `<!DOCTYPE html><title>Error 404 (Not Found)!!1</title><p><b>404.</b> <ins>That’s an error.</ins></p>`, { 'content-type': 'text/html; charset=UTF-8' });
  }

  function discovery(res: ServerResponse): void {
    sendJson(res, 200, {
      issuer: url,
      authorization_endpoint: `${url}/o/oauth2/v2/auth`,
      device_authorization_endpoint: `${url}/device/code`,
      token_endpoint: `${url}/token`,
      userinfo_endpoint: `${url}/v1/userinfo`,
      revocation_endpoint: `${url}/revoke`,
      jwks_uri: `${url}/oauth2/v3/certs`,
      response_types_supported: ['code', 'token', 'id_token', 'code token', 'code id_token', 'token id_token', 'code token id_token', 'none'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      claims_supported: ['aud', 'email', 'email_verified', 'exp', 'family_name', 'given_name', 'iat', 'iss', 'name', 'picture', 'sub'],
      code_challenge_methods_supported: ['plain', 'S256'],
      grant_types_supported: [
        'authorization_code',
        'refresh_token',
        GOOGLE_DEVICE_GRANT,
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
      ],
    }, { 'cache-control': 'public, max-age=3600' });
  }

  // ---- authorization endpoint ---------------------------------------------------------

  function validLoopback(redirectUri: string | undefined): boolean {
    if (!redirectUri) return false;
    try {
      const r = new URL(redirectUri);
      // Google desktop clients: http://127.0.0.1:PORT (or [::1] / localhost), any port and path.
      return r.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(r.hostname) && !r.hash && !r.username;
    } catch {
      return false;
    }
  }

  function authorize(res: ServerResponse, q: Params): void {
    authorizeRequests.push({
      time: Date.now(),
      client_id: q.client_id,
      redirect_uri: q.redirect_uri,
      response_type: q.response_type,
      scope: q.scope,
      state: q.state,
      nonce: q.nonce,
      access_type: q.access_type,
      prompt: q.prompt,
      login_hint: q.login_hint,
      include_granted_scopes: q.include_granted_scopes,
      code_challenge: q.code_challenge,
      code_challenge_method: q.code_challenge_method,
    });
    if (q.client_id !== options.clientId) return errorPage(res, 401, 'invalid_client', 'The OAuth client was not found.');
    if (!validLoopback(q.redirect_uri)) {
      return errorPage(res, 400, 'redirect_uri_mismatch', `You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. redirect_uri=${q.redirect_uri ?? ''}`);
    }
    const redirectUri = q.redirect_uri!;
    const stateParam: Params = q.state !== undefined ? { state: q.state } : {};
    if (q.response_type !== 'code') return errorPage(res, 400, 'invalid_request', `Invalid response_type: ${q.response_type ?? ''}`);
    const scopes = parseScopes(q.scope);
    if (scopes.length === 0) return errorPage(res, 400, 'invalid_request', 'Missing required parameter: scope');
    if (q.access_type !== undefined && !['online', 'offline'].includes(q.access_type)) {
      return errorPage(res, 400, 'invalid_request', `Invalid access_type: ${q.access_type}`);
    }
    // CHOICE: PKCE problems redirect with invalid_request (RFC 6749 §4.1.2.1); Google shows an error page for some.
    if (q.code_challenge === undefined) {
      if (options.requirePkce) {
        return redirectWith(res, redirectUri, { error: 'invalid_request', error_description: 'Missing code_challenge (PKCE required)', ...stateParam });
      }
    } else {
      const method = q.code_challenge_method ?? 'plain';
      if (method !== 'S256' && (options.requirePkce || method !== 'plain')) {
        return redirectWith(res, redirectUri, { error: 'invalid_request', error_description: 'Invalid code_challenge_method', ...stateParam });
      }
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(q.code_challenge)) {
        return redirectWith(res, redirectUri, { error: 'invalid_request', error_description: 'Invalid code_challenge', ...stateParam });
      }
    }
    const ar: AuthorizeRequest = {
      id: randomToken(16),
      client_id: q.client_id!,
      redirect_uri: redirectUri,
      scopes,
      state: q.state,
      nonce: q.nonce,
      code_challenge: q.code_challenge,
      code_challenge_method: q.code_challenge === undefined ? undefined : (q.code_challenge_method ?? 'plain'),
      access_type: q.access_type,
      prompt: q.prompt,
    };
    pendingAuth.set(ar.id, ar);
    const user = findUser(options.webUser ?? q.login_hint);
    sendHtml(
      res,
      200,
      'Sign in - Google Accounts',
      consentPageHtml({
        action: '/o/oauth2/v2/auth/decision',
        requestId: ar.id,
        heading: 'oauthcli wants to access your Google Account',
        login: user.email,
        scopes: grantedScopes(scopes),
        redirectLead: 'Continuing will redirect to',
        redirectUri,
        denyLabel: 'Cancel',
        authorizeLabel: 'Continue',
      }),
    );
  }

  function authorizeDecision(res: ServerResponse, params: Params): void {
    const ar = params.request_id ? pendingAuth.get(params.request_id) : undefined;
    if (!ar) return errorPage(res, 400, 'invalid_request', 'This authorization request is no longer valid.');
    pendingAuth.delete(ar.id);
    const stateParam: Params = ar.state !== undefined ? { state: ar.state } : {};
    if (params.decision !== 'authorize') {
      // Google: ?error=access_denied&state=… (no error_description)
      return redirectWith(res, ar.redirect_uri, { error: 'access_denied', ...stateParam });
    }
    const user = findUser(options.webUser);
    const code: AuthCode = {
      code: '4/0A' + randomToken(60),
      client_id: ar.client_id,
      redirect_uri: ar.redirect_uri,
      scopes: grantedScopes(ar.scopes),
      nonce: ar.nonce,
      code_challenge: ar.code_challenge,
      code_challenge_method: ar.code_challenge_method,
      sub: user.sub,
      offline: ar.access_type === 'offline' && (!offlineGrants.has(`${ar.client_id} ${user.sub}`) || /\bconsent\b/.test(ar.prompt ?? '')),
      expiresAt: Date.now() + 10 * 60 * 1000,
      used: false,
    };
    authCodes.set(code.code, code);
    // Google: ?state=…&code=…&scope=…&authuser=0&prompt=consent (order as observed)
    redirectWith(res, ar.redirect_uri, {
      ...stateParam,
      code: code.code,
      scope: redirectScopeParam(ar.scopes),
      authuser: '0',
      ...(user.hd ? { hd: user.hd } : {}),
      prompt: 'consent',
    });
  }

  // ---- token endpoint -----------------------------------------------------------------

  async function token(req: IncomingMessage, res: ServerResponse, params: Params, mono: number): Promise<void> {
    const creds = clientCredentials(req, params);
    const grantType = params.grant_type;
    if (!grantType) return oauthError(res, 400, 'unsupported_grant_type', 'Invalid grant_type: ');
    if (!['authorization_code', 'refresh_token', GOOGLE_DEVICE_GRANT].includes(grantType)) {
      return oauthError(res, 400, 'unsupported_grant_type', `Invalid grant_type: ${grantType}`);
    }
    if (!creds.id) return oauthError(res, 400, 'invalid_request', 'Could not determine client ID from request.');
    if (creds.id !== options.clientId) return oauthError(res, 401, 'invalid_client', 'The OAuth client was not found.');
    // Google desktop ("installed") clients must send their secret, even with PKCE.
    if (creds.secret === undefined || creds.secret === '') return oauthError(res, 400, 'invalid_request', 'client_secret is missing.');
    if (creds.secret !== options.clientSecret) return oauthError(res, 401, 'invalid_client', 'Unauthorized');
    if (grantType === 'authorization_code') return codeExchange(res, params, creds.method);
    if (grantType === 'refresh_token') return refreshExchange(res, params, creds.method);
    return devicePoll(res, params, mono, creds.method);
  }

  async function codeExchange(res: ServerResponse, params: Params, auth: GoogleGrantRecord['client_auth']): Promise<void> {
    if (!params.code) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: code');
    const rec = authCodes.get(params.code);
    const now = Date.now();
    if (!rec || rec.used || rec.expiresAt <= now || rec.client_id !== options.clientId) {
      if (rec) rec.used = true;
      return oauthError(res, 400, 'invalid_grant', 'Bad Request');
    }
    if (params.redirect_uri === undefined) return oauthError(res, 400, 'invalid_request', 'Missing parameter: redirect_uri');
    if (params.redirect_uri !== rec.redirect_uri) return oauthError(res, 400, 'redirect_uri_mismatch', 'Bad Request');
    if (rec.code_challenge !== undefined) {
      if (!params.code_verifier) return oauthError(res, 400, 'invalid_grant', 'Missing code verifier.');
      const expected = rec.code_challenge_method === 'S256' ? pkceChallenge(params.code_verifier) : params.code_verifier;
      if (expected !== rec.code_challenge) return oauthError(res, 400, 'invalid_grant', 'Invalid code verifier.');
    }
    rec.used = true;
    const refresh = rec.offline ? mintRefresh(rec.sub, rec.client_id, rec.scopes, now) : undefined;
    if (refresh) offlineGrants.add(`${rec.client_id} ${rec.sub}`);
    const access = mintAccess(rec.sub, rec.client_id, rec.scopes, refresh?.token, now);
    const out = await tokenResponse(access, refresh, rec.nonce);
    grants.push({ ...grantRecord('authorization_code', auth, rec.code_challenge !== undefined, now, access, out.idToken), refresh_token: refresh?.token });
    sendJson(res, 200, out.body);
  }

  async function refreshExchange(res: ServerResponse, params: Params, auth: GoogleGrantRecord['client_auth']): Promise<void> {
    if (!params.refresh_token) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: refresh_token');
    const rec = tokens.get(params.refresh_token);
    if (!rec || rec.kind !== 'refresh' || rec.revoked || rec.clientId !== options.clientId) {
      return oauthError(res, 400, 'invalid_grant', 'Token has been expired or revoked.');
    }
    let scopes = rec.scopes;
    if (params.scope) {
      // A refresh may narrow the scope, never widen it.
      const asked = grantedScopes(parseScopes(params.scope));
      if (asked.some((s) => !rec.scopes.includes(s))) return oauthError(res, 400, 'invalid_scope', 'Bad Request');
      scopes = asked;
    }
    const now = Date.now();
    // Google does NOT rotate refresh tokens: same refresh token stays valid, none in the response.
    const access = mintAccess(rec.sub, rec.clientId, scopes, rec.token, now);
    const out = await tokenResponse(access, undefined, undefined);
    // No refresh_token in the record: Google does not send one on a refresh.
    grants.push(grantRecord('refresh_token', auth, false, now, access, out.idToken));
    sendJson(res, 200, out.body);
  }

  // ---- device flow --------------------------------------------------------------------

  function deviceCode(res: ServerResponse, params: Params): void {
    if (!params.client_id) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: client_id');
    if (params.client_id !== options.clientId) return oauthError(res, 401, 'invalid_client', 'The OAuth client was not found.');
    const scopes = parseScopes(params.scope);
    if (scopes.length === 0) return oauthError(res, 400, 'invalid_scope', 'Missing required parameter: scope');
    // Google only allows a short list of scopes for the device flow.
    if (scopes.some((s) => !GOOGLE_DEVICE_SCOPES.has(s))) return oauthError(res, 400, 'invalid_scope', 'Invalid device flow scope: ' + scopes.filter((s) => !GOOGLE_DEVICE_SCOPES.has(s)).join(' '));
    const now = Date.now();
    const d = options.device;
    const rec: GoogleDeviceCodeRecord = {
      device_code: 'AH-1Ng' + randomToken(60),
      user_code: randomUserCode(),
      client_id: params.client_id,
      scopes: grantedScopes(scopes),
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
      expires_in: d.expiresIn,
      interval: d.interval,
      // Google's field name (not RFC 8628's verification_uri).
      verification_url: `${url}/device`,
    });
  }

  function devicePage(res: ServerResponse, query: Params): void {
    sendHtml(
      res,
      200,
      'Device – Google',
      `<h1>Enter the code displayed on your device</h1>
<form method="post" action="/device">
  <input name="user_code" value="${escapeHtml(query.user_code ?? '')}">
  <button id="authorize" name="decision" value="authorize" type="submit">Continue</button>
  <button id="deny" name="decision" value="deny" type="submit">Cancel</button>
</form>`,
    );
  }

  function deviceDecision(res: ServerResponse, params: Params): void {
    const code = (params.user_code ?? '').toUpperCase().replace(/[^A-Z]/g, '');
    const rec = deviceCodes.find((d) => d.user_code.replace('-', '') === code);
    if (!rec || rec.status !== 'pending' || rec.expiresAt <= Date.now()) {
      return sendHtml(res, 200, 'Device – Google', '<p id="error">Invalid code. Check the code and try again.</p>');
    }
    if (params.decision === 'deny') {
      rec.status = 'denied';
      return sendHtml(res, 200, 'Device – Google', '<p id="result">Access denied.</p>');
    }
    rec.status = 'approved';
    rec.approvedUser = findUser(options.device.user).sub;
    sendHtml(res, 200, 'Device – Google', '<p id="result">Success! You can now return to your device.</p>');
  }

  async function devicePoll(res: ServerResponse, params: Params, mono: number, auth: GoogleGrantRecord['client_auth']): Promise<void> {
    const now = Date.now();
    if (!params.device_code) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: device_code');
    const rec = deviceByCode.get(params.device_code);
    if (!rec || rec.client_id !== options.clientId) return oauthError(res, 400, 'invalid_grant', 'Bad Request');
    const answer = (status: number, error: string, description: string): void => {
      rec.polls.push({ time: now, result: error });
      oauthError(res, status, error, description);
    };
    const d = options.device;
    const pollNo = rec.polls.length + 1;
    const last = rec.lastPollMono;
    rec.lastPollMono = mono;
    if (rec.status === 'consumed') return answer(400, 'invalid_grant', 'Bad Request');
    if (now >= rec.expiresAt) return answer(400, 'expired_token', 'Bad Request');
    if (d.enforceInterval && last !== undefined && mono - last < rec.interval * 1000) {
      earlyPolls.push({ device_code: rec.device_code, time: now, elapsedMs: mono - last, requiredMs: rec.interval * 1000 });
      return answer(403, 'slow_down', 'Forbidden');
    }
    if (d.slowDownOnPoll !== undefined && pollNo === d.slowDownOnPoll) return answer(403, 'slow_down', 'Forbidden');
    if (rec.status === 'denied') return answer(403, 'access_denied', 'Forbidden');
    if (rec.status === 'pending') {
      if (d.outcome === 'manual') return answer(428, 'authorization_pending', 'Precondition Required');
      if (rec.pendingAnswered < d.pendingPolls) {
        rec.pendingAnswered++;
        return answer(428, 'authorization_pending', 'Precondition Required');
      }
      if (d.outcome === 'access_denied') {
        rec.status = 'denied';
        return answer(403, 'access_denied', 'Forbidden');
      }
      if (d.outcome === 'expired_token') return answer(400, 'expired_token', 'Bad Request');
      rec.status = 'approved';
    }
    rec.status = 'consumed';
    const user = findUser(rec.approvedUser ?? d.user);
    // Device-flow grants always come with a refresh token.
    const refresh = mintRefresh(user.sub, rec.client_id, rec.scopes, now);
    offlineGrants.add(`${rec.client_id} ${user.sub}`);
    const access = mintAccess(user.sub, rec.client_id, rec.scopes, refresh.token, now);
    const out = await tokenResponse(access, refresh, undefined);
    rec.polls.push({ time: now, result: 'success' });
    grants.push({ ...grantRecord('device_code', auth, false, now, access, out.idToken), refresh_token: refresh.token });
    sendJson(res, 200, out.body);
  }

  // ---- userinfo / revoke / tokeninfo --------------------------------------------------

  function userinfo(req: IncomingMessage, res: ServerResponse): void {
    const m = /^bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''));
    const rec = validAccess(m?.[1]);
    if (!rec) {
      sendJson(
        res,
        401,
        { error: 'invalid_request', error_description: 'Invalid Credentials' },
        { 'www-authenticate': m ? 'Bearer realm="https://accounts.google.com/", error="invalid_token"' : 'Bearer realm="https://accounts.google.com/"' },
      );
      return;
    }
    const user = findUser(rec.sub);
    const out: Record<string, unknown> = { sub: user.sub };
    if (rec.scopes.includes(GOOGLE_PROFILE_SCOPE)) {
      Object.assign(out, {
        name: user.name,
        given_name: user.given_name,
        family_name: user.family_name,
        picture: user.picture ?? `${url}/a/${user.sub}=s96-c`,
      });
    }
    if (rec.scopes.includes(GOOGLE_EMAIL_SCOPE)) Object.assign(out, { email: user.email, email_verified: user.email_verified ?? true });
    if (user.hd) out.hd = user.hd;
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    sendJson(res, 200, out);
  }

  function revoke(res: ServerResponse, params: Params): void {
    const t = params.token;
    if (!t) return oauthError(res, 400, 'invalid_request', 'Bad Request');
    const rec = tokens.get(t);
    const live = rec && !rec.revoked && (rec.kind === 'refresh' || validAccess(t) !== undefined);
    if (!rec || !live) return oauthError(res, 400, 'invalid_token', 'Token expired or revoked');
    revokeGrant(rec, 'api');
    sendJson(res, 200, {});
  }

  function tokeninfo(res: ServerResponse, params: Params): void {
    const rec = validAccess(params.access_token);
    if (!rec) return oauthError(res, 400, 'invalid_token', 'Invalid Value');
    const user = findUser(rec.sub);
    const exp = Math.floor((rec.expiresAt ?? Date.now()) / 1000);
    const out: Record<string, string> = {
      azp: rec.clientId,
      aud: rec.clientId,
      sub: user.sub,
      scope: rec.scopes.join(' '),
      exp: String(exp),
      expires_in: String(Math.max(0, exp - Math.floor(Date.now() / 1000))),
      access_type: rec.refresh ? 'offline' : 'online',
    };
    if (rec.scopes.includes(GOOGLE_EMAIL_SCOPE)) {
      out.email = user.email;
      out.email_verified = String(user.email_verified ?? true);
    }
    sendJson(res, 200, out);
  }

  // ---- http server --------------------------------------------------------------------

  const http = await startFakeHttp<GoogleRecordedRequest['headers']>({
    replies,
    pickHeaders: (h) => ({ accept: h.accept, 'content-type': h['content-type'], 'user-agent': h['user-agent'], authorization: h.authorization }),
    latencyMs: () => options.latencyMs,
    route,
    internalError: (err) => ({ error: 'internal_failure', error_description: `fake Google error: ${String(err)}` }),
  });
  const { host, url, requests } = http;

  const fake: FakeGoogle = {
    host,
    url,
    issuer: url,
    options,
    users,
    requests,
    authorizeRequests,
    grants,
    revocations,
    earlyPolls,
    deviceCodes,
    jwks: { keys: [publicJwk] },
    close: http.close,
    setOptions,
    setDevice(patch) {
      Object.assign(options.device, patch);
    },
    addUser(user) {
      users.push({ ...user });
    },
    approveDevice(user, userCode) {
      const rec = latestPendingDevice(deviceCodes, userCode);
      rec.status = 'approved';
      rec.approvedUser = findUser(user ?? options.device.user).sub;
    },
    denyDevice(userCode) {
      latestPendingDevice(deviceCodes, userCode).status = 'denied';
    },
    fail: http.fail,
    clearFaults: http.clearFaults,
    requestCount: http.requestCount,
    isTokenValid(t) {
      return validAccess(t) !== undefined;
    },
    isRefreshTokenValid(t) {
      const rec = tokens.get(t);
      return !!rec && rec.kind === 'refresh' && !rec.revoked;
    },
    async issueTokens(who, o = {}) {
      const user = findUser(who);
      if (who && user.email !== who && user.sub !== who) throw new Error(`unknown user ${who}`);
      const scopes = grantedScopes(parseScopes(o.scopes ?? 'openid email profile'));
      const refresh = o.offline === false ? undefined : mintRefresh(user.sub, options.clientId, scopes);
      if (refresh) offlineGrants.add(`${options.clientId} ${user.sub}`);
      const access = mintAccess(user.sub, options.clientId, scopes, refresh?.token);
      if (o.expired) access.expiresAt = Date.now() - 60_000;
      const id = scopes.includes('openid') ? await idToken(user, options.clientId, scopes, access.token, o.nonce) : undefined;
      return { access_token: access.token, refresh_token: refresh?.token, id_token: id, expires_at: access.expiresAt!, scope: scopes.join(' ') };
    },
    expireToken(accessToken) {
      const rec = tokens.get(accessToken);
      if (!rec || rec.kind !== 'access') throw new Error('unknown access token');
      rec.expiresAt = Date.now() - 1;
    },
    revokeToken(t) {
      const rec = tokens.get(t);
      if (!rec) throw new Error('unknown token');
      revokeGrant(rec, 'test');
    },
    validTokens(who) {
      const sub = who ? findUser(who).sub : undefined;
      return [...tokens.values()].filter((t) => t.kind === 'access' && (!sub || t.sub === sub) && validAccess(t.token)).map((t) => t.token);
    },
    simulateBrowser: (authorizeUrl, o) => simulateBrowser(authorizeUrl, '/o/oauth2/v2/auth/decision', o),
  };
  return fake;
}
