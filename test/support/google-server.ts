/**
 * A local fake of Google's OAuth 2.0 / OpenID Connect endpoints for end-to-end tests of oauthcli
 * (the shared OAuth state is in oauth-core.ts).
 *
 * The CLI treats the fake's `url` as the issuer (`--hostname 127.0.0.1:PORT`, or the `publicHost`
 * through a proxy) and reads the discovery document, so every endpoint lives on this one server
 * (Google spreads them over accounts.google.com, oauth2.googleapis.com,
 * openidconnect.googleapis.com, www.googleapis.com).
 *
 * Behaviour follows Google's documentation, cited beside each behaviour:
 * - https://developers.google.com/identity/protocols/oauth2/native-app ("Desktop app" clients)
 * - https://developers.google.com/identity/protocols/oauth2/limited-input-device ("TVs and Limited Input devices")
 * - https://developers.google.com/identity/protocols/oauth2/web-server (web clients: access_type, prompt)
 * - https://developers.google.com/identity/protocols/oauth2#expiration (refresh token limits)
 * - https://developers.google.com/identity/openid-connect/openid-connect
 * - https://accounts.google.com/.well-known/openid-configuration
 * Choices where Google's behaviour is undocumented or where the fake simplifies are marked "CHOICE:".
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWK } from 'jose';
import { createReplies, escapeHtml, pkceChallenge, randomBase64url as randomToken, randomUserCode, startFakeHttp } from './fake-http.ts';
import type { Arrival, CommonRecordedHeaders, Params, RecordedHttpRequest } from './fake-http.ts';
import { DEVICE_CODE_GRANT, bearerToken, clientCredentials, consentPage, createAuthCodes, createDeviceFlow, createTokenStore, devicePageHtml, fakeOAuthServer, isLoopbackRedirect, optionSetter, splitScopes } from './oauth-core.ts';
import type { ClientCredentials, DeviceFlowUserOptions, FakeOAuthOptions, FakeOAuthServer, GrantType, OAuthGrantRecord, TokenRecord } from './oauth-core.ts';

import { GOOGLE_EMAIL_SCOPE, GOOGLE_PROFILE_SCOPE, createGoogleOpenId, grantedScopes, redirectScopeParam, type FakeGoogleUser, type ForgeIdToken } from './google-openid.ts';

export { GOOGLE_EMAIL_SCOPE, GOOGLE_PROFILE_SCOPE, pkceChallenge };
export type { FakeGoogleUser, ForgeIdToken };

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------


/**
 * The type of the client `clientId` names: 'desktop' ("Desktop app", an installed application:
 * "refresh tokens are always returned for installed applications", native-app doc, step 5) or
 * 'web' (a refresh token only with access_type=offline, web-server doc; CHOICE (observed, not
 * documented): and then only at the first consent of that user to that client, unless prompt=consent).
 */
export type GoogleClientType = 'desktop' | 'web';

/**
 * `clientId`/`clientSecret` are the browser-flow client (of type `clientType`). Device defaults:
 * interval 1 (Google: 5), expiresIn 1800, pendingPolls 1, slowDownIncrement 0.
 */
export interface FakeGoogleOptions extends FakeOAuthOptions<FakeGoogleUser, DeviceFlowUserOptions> {
  /** Default 'desktop'. */
  clientType?: GoogleClientType | undefined;
  /**
   * The "TVs and Limited Input devices" client: the only type the device flow accepts
   * ("Ensure that the application type for the client id is set to TVs and Limited Input devices",
   * limited-input-device doc, error table).
   */
  deviceClientId?: string | undefined;
  deviceClientSecret?: string | undefined;
  /**
   * Live refresh tokens per user per client; a new one beyond it makes the oldest stop working
   * ("There is currently a limit of 100 refresh tokens per Google Account per OAuth 2.0 client ID",
   * https://developers.google.com/identity/protocols/oauth2#expiration). Default 100.
   */
  refreshTokenLimit?: number | undefined;
  /** Access token lifetime (seconds). Google: 3599. */
  tokenLifetime?: number | undefined;
  /** ID token lifetime (seconds). Google: 3600. */
  idTokenLifetime?: number | undefined;
  /** Make the next issued ID tokens invalid in this way (until set back to undefined). */
  forgeIdToken?: ForgeIdToken | undefined;
  /** Which user signs in on the consent page (email or sub). Default: first user. */
  webUser?: string | undefined;
  /** Require PKCE (S256) on /o/oauth2/v2/auth. Default true. (Real Google: recommended, plain allowed.) */
  requirePkce?: boolean | undefined;
  /** Include at_hash in ID tokens issued with an access token. Default true. */
  atHash?: boolean | undefined;
}

export interface ResolvedGoogleOptions {
  clientId: string;
  clientSecret: string;
  clientType: GoogleClientType;
  deviceClientId: string;
  deviceClientSecret: string;
  refreshTokenLimit: number;
  device: DeviceFlowUserOptions;
  tokenLifetime: number;
  idTokenLifetime: number;
  forgeIdToken?: ForgeIdToken | undefined;
  webUser?: string | undefined;
  requirePkce: boolean;
  atHash: boolean;
  latencyMs: number;
}

export type GoogleRecordedRequest = RecordedHttpRequest<CommonRecordedHeaders>;

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

export interface GoogleGrantRecord extends OAuthGrantRecord {
  client_id: string;
  sub: string;
  email: string;
  /** How the client authenticated at the token endpoint. */
  client_auth: 'client_secret_post' | 'client_secret_basic';
  id_token?: string | undefined;
}

export interface GoogleRevocationRecord {
  token: string;
  kind: 'access' | 'refresh';
  email: string;
  time: number;
  /** 'limit' = the oldest refresh token past refreshTokenLimit. */
  via: 'api' | 'test' | 'limit';
  /** Access tokens revoked along with it. */
  access_tokens: string[];
}

export interface GoogleIssuedTokens {
  access_token: string;
  refresh_token?: string | undefined;
  id_token?: string | undefined;
  /** Epoch ms. */
  expires_at: number;
  /** Space-separated, as in the token response. */
  scope: string;
}

type GoogleTypes = { options: ResolvedGoogleOptions; patch: FakeGoogleOptions; user: FakeGoogleUser; request: GoogleRecordedRequest; grant: GoogleGrantRecord; revocation: GoogleRevocationRecord };

export interface FakeGoogle extends FakeOAuthServer<GoogleTypes> {
  /** Also the issuer. */
  readonly url: string;
  readonly issuer: string;
  readonly authorizeRequests: GoogleAuthorizeRecord[];
  /** Public JWKS (also at /oauth2/v3/certs). */
  readonly jwks: { keys: JWK[] };
  /** True for a known, unrevoked refresh token. */
  isRefreshTokenValid(token: string): boolean;
  /**
   * Mint tokens directly (as if the user had signed in before), for `clientId` (default the browser-flow client).
   * Defaults: scopes `openid email profile`, refresh token (offline) included, not expired.
   */
  issueTokens(user?: string, opts?: { scopes?: string; offline?: boolean; expired?: boolean; nonce?: string; clientId?: string }): Promise<GoogleIssuedTokens>;
}

// ---------------------------------------------------------------------------
// Dialect
// ---------------------------------------------------------------------------

const DEFAULT_USER: FakeGoogleUser = { sub: '110248495921238986420', email: 'alice@example.com', email_verified: true, name: 'Alice Example', given_name: 'Alice', family_name: 'Example' };

const parseScopes = (scope: string | undefined): string[] => splitScopes(scope);

/** "The OAuth 2.0 flow for devices is supported only for the following scopes" (limited-input-device doc, "Allowed scopes"; OpenID Connect ones here). */
const GOOGLE_DEVICE_SCOPES = new Set(['openid', 'email', 'profile', GOOGLE_EMAIL_SCOPE, GOOGLE_PROFILE_SCOPE]);

interface Client {
  id: string;
  secret: string;
  type: GoogleClientType | 'tv';
}

interface AuthExtra {
  nonce?: string | undefined;
  access_type?: string | undefined;
  prompt?: string | undefined;
  offline?: boolean;
}

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

export async function startFakeGoogle(initial: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const defaults: Partial<ResolvedGoogleOptions> = {
    clientId: '123456789012-fakeclient.apps.googleusercontent.com',
    clientSecret: 'GOCSPX-fake-client-secret',
    clientType: 'desktop',
    deviceClientId: '123456789012-faketv.apps.googleusercontent.com',
    deviceClientSecret: 'GOCSPX-fake-tv-client-secret',
    refreshTokenLimit: 100,
    tokenLifetime: 3599,
    idTokenLifetime: 3600,
    requirePkce: true,
    atHash: true,
    latencyMs: 0,
  };
  const options = { device: { interval: 1, expiresIn: 1800, pendingPolls: 1, outcome: 'approve', slowDownIncrement: 0, enforceInterval: true } } as ResolvedGoogleOptions;
  const users: FakeGoogleUser[] = (initial.users ?? [DEFAULT_USER]).map((u) => ({ ...u }));
  const authorizeRequests: GoogleAuthorizeRecord[] = [];
  const grants: GoogleGrantRecord[] = [];
  const revocations: GoogleRevocationRecord[] = [];
  const devices = createDeviceFlow(() => options.device);
  const codes = createAuthCodes<AuthExtra>();
  // A family is a grant: a refresh token and every access token made from it. "If the token is an
  // access token and it has a corresponding refresh token, the refresh token will also be revoked."
  const store = createTokenStore((trigger, revoked, via) => {
    const accessTokens = revoked.filter((t) => t.kind === 'access').map((t) => t.token);
    // The user removed the app (or it revoked itself): a later consent is a first one again.
    if (via !== 'limit' && revoked.some((t) => t.kind === 'refresh')) offlineGrants.delete(`${trigger.clientId} ${trigger.subject}`);
    revocations.push({ token: trigger.token, kind: trigger.kind, email: findUser(trigger.subject).email, time: Date.now(), via: via as GoogleRevocationRecord['via'], access_tokens: accessTokens });
  });
  /** `${clientId} ${sub}` pairs that already hold an offline grant (web clients: → no new refresh token). */
  const offlineGrants = new Set<string>();

  const setOptions = optionSetter(options, defaults, users, initial);

  const findUser = (who: string | undefined): FakeGoogleUser => {
    const u = (who && users.find((x) => x.email === who || x.sub === who)) || users[0];
    if (!u) throw new Error('fake Google has no users');
    return u;
  };
  const clientOf = (id: string | undefined): Client | undefined => {
    if (id === options.clientId) return { id, secret: options.clientSecret, type: options.clientType };
    if (id === options.deviceClientId) return { id, secret: options.deviceClientSecret, type: 'tv' };
    return undefined;
  };

  /** Tokens for a grant: an access token, and a new refresh token when `offline` (or one made from `refreshOf`). */
  function mint(sub: string, clientId: string, scopes: string[], flow: string, offline: boolean, refreshOf?: TokenRecord): { access: TokenRecord; refresh?: TokenRecord | undefined } {
    if (offline) {
      // The limit: the oldest of the user's live refresh tokens at this client stops working.
      const live = store.liveRefreshTokens(clientId, sub);
      for (const old of live.slice(0, Math.max(0, live.length - options.refreshTokenLimit + 1))) store.revoke(old, 'limit', true);
    }
    return store.mint({
      subject: sub,
      clientId,
      scopes,
      flow,
      family: refreshOf?.family,
      accessToken: 'ya29.' + randomToken(120),
      accessExpiresIn: options.tokenLifetime,
      refreshToken: offline ? '1//' + randomToken(75) : undefined,
      refreshOf: refreshOf?.token,
    });
  }

  async function sendTokens(res: ServerResponse, grant_type: GrantType, creds: ClientCredentials, pkce: boolean, t: { access: TokenRecord; refresh?: TokenRecord | undefined }, nonce?: string): Promise<void> {
    const { access, refresh } = t;
    const user = findUser(access.subject);
    const scope = access.scopes.join(' ');
    const id = access.scopes.includes('openid') ? await openid.idToken(user, access.clientId, access.scopes, access.token, nonce) : undefined;
    grants.push({ grant_type, client_id: access.clientId, sub: user.sub, email: user.email, client_secret_sent: !!creds.secret, client_auth: creds.method, pkce, time: Date.now(), access_token: access.token, refresh_token: refresh?.token, id_token: id, scope });
    const expiresIn = Math.max(0, Math.round((access.expiresAt! - Date.now()) / 1000));
    sendJson(res, 200, { access_token: access.token, expires_in: expiresIn, ...(refresh ? { refresh_token: refresh.token } : {}), scope, token_type: 'Bearer', ...(id ? { id_token: id } : {}) });
  }

  // ---- responses ----------------------------------------------------------------------------

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
  const oauthError = (res: ServerResponse, status: number, error: string, description: string): void => sendJson(res, status, { error, error_description: description });
  const openid = await createGoogleOpenId({ replies, url: () => http.url, options, findUser, store });
  /** Google's "Access blocked" / "Error 400" page (no redirect to the client). */
  function errorPage(res: ServerResponse, status: number, error: string, detail: string): void {
    sendHtml(res, status, 'Error', `<h1>Access blocked: This app’s request is invalid</h1>\n<p id="error">Error ${status}: ${escapeHtml(error)}</p>\n<p id="error-detail">${escapeHtml(detail)}</p>`);
  }

  // ---- routing ----------------------------------------------------------------------------

  function route(req: IncomingMessage, res: ServerResponse, { mono, path, query, method, body }: Arrival): void | Promise<void> {
    if (method === 'GET' && path === '/.well-known/openid-configuration') return openid.discovery(res);
    if (method === 'GET' && path === '/oauth2/v3/certs') return sendJson(res, 200, openid.jwks, { 'cache-control': 'public, max-age=21600' });
    if (method === 'GET' && path === '/o/oauth2/v2/auth') return authorize(res, query);
    if (method === 'POST' && path === '/o/oauth2/v2/auth/decision') return authorizeDecision(res, body);
    if (method === 'POST' && path === '/token') return token(req, res, body, mono);
    if (method === 'POST' && path === '/device/code') return deviceCode(res, body);
    if (method === 'GET' && path === '/device') return sendHtml(res, 200, 'Device – Google', devicePageHtml(DEVICE_PAGE, query.user_code));
    if (method === 'POST' && path === '/device') return deviceDecision(res, body);
    if ((method === 'GET' || method === 'POST') && path === '/v1/userinfo') return openid.userinfo(req, res);
    if (path === '/revoke') {
      if (method !== 'POST' && method !== 'GET') return oauthError(res, 405, 'invalid_request', 'Method not allowed');
      return revoke(res, { ...query, ...body });
    }
    if ((method === 'GET' || method === 'POST') && path === '/tokeninfo') return openid.tokeninfo(res, { ...query, ...body });
    send(res, 404, `<!DOCTYPE html><title>Error 404 (Not Found)!!1</title><p><b>404.</b> <ins>That’s an error.</ins></p>`, { 'content-type': 'text/html; charset=UTF-8' });
  }

  // ---- authorization endpoint (native-app doc, step 2) ---------------------------------------

  const CONSENT = { action: '/o/oauth2/v2/auth/decision', heading: 'oauthcli wants to access your Google Account', redirectLead: 'Continuing will redirect to', denyLabel: 'Cancel', authorizeLabel: 'Continue' };

  function authorize(res: ServerResponse, q: Params): void {
    const { client_id, redirect_uri, response_type, scope, state, nonce, access_type, prompt, login_hint, include_granted_scopes, code_challenge, code_challenge_method } = q;
    authorizeRequests.push({ time: Date.now(), client_id, redirect_uri, response_type, scope, state, nonce, access_type, prompt, login_hint, include_granted_scopes, code_challenge, code_challenge_method });
    // CHOICE: the TV client, which has no browser flow, is "not found" here like an unknown one.
    if (client_id !== options.clientId) return errorPage(res, 401, 'invalid_client', 'The OAuth client was not found.');
    // Desktop clients: http://127.0.0.1:port or http://[::1]:port (native-app doc, "Loopback IP address").
    if (!isLoopbackRedirect(redirect_uri)) {
      return errorPage(res, 400, 'redirect_uri_mismatch', `You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. redirect_uri=${redirect_uri ?? ''}`);
    }
    const stateParam: Params = state !== undefined ? { state } : {};
    if (response_type !== 'code') return errorPage(res, 400, 'invalid_request', `Invalid response_type: ${response_type ?? ''}`);
    const scopes = parseScopes(scope);
    if (scopes.length === 0) return errorPage(res, 400, 'invalid_request', 'Missing required parameter: scope');
    if (access_type !== undefined && !['online', 'offline'].includes(access_type)) return errorPage(res, 400, 'invalid_request', `Invalid access_type: ${access_type}`);
    // CHOICE: PKCE problems redirect with invalid_request (RFC 6749 §4.1.2.1); Google shows an error page for some.
    if (code_challenge === undefined) {
      if (options.requirePkce) return redirectWith(res, redirect_uri!, { error: 'invalid_request', error_description: 'Missing code_challenge (PKCE required)', ...stateParam });
    } else {
      // code_challenge_method: "S256 or plain" (native-app doc); plain is refused when requirePkce.
      const method = code_challenge_method ?? 'plain';
      if (method !== 'S256' && (options.requirePkce || method !== 'plain')) return redirectWith(res, redirect_uri!, { error: 'invalid_request', error_description: 'Invalid code_challenge_method', ...stateParam });
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(code_challenge)) return redirectWith(res, redirect_uri!, { error: 'invalid_request', error_description: 'Invalid code_challenge', ...stateParam });
    }
    const challengeMethod = code_challenge === undefined ? undefined : (code_challenge_method ?? 'plain');
    const ar = codes.begin({ client_id, redirect_uri: redirect_uri!, scopes, state, code_challenge, code_challenge_method: challengeMethod, extra: { nonce, access_type, prompt } });
    sendHtml(res, 200, 'Sign in - Google Accounts', consentPage(ar, findUser(options.webUser ?? login_hint).email, grantedScopes(scopes), CONSENT));
  }

  function authorizeDecision(res: ServerResponse, form: Params): void {
    const d = codes.decide(form);
    if (!d) return errorPage(res, 400, 'invalid_request', 'This authorization request is no longer valid.');
    const { request: ar, state: stateParam } = d;
    // Google: ?error=access_denied&state=… (no error_description)
    if (!d.approved) return redirectWith(res, ar.redirect_uri, { error: 'access_denied', ...stateParam });
    const user = findUser(options.webUser);
    const { access_type, prompt } = ar.extra;
    const offline = options.clientType === 'desktop' || (access_type === 'offline' && (!offlineGrants.has(`${ar.client_id} ${user.sub}`) || /\bconsent\b/.test(prompt ?? '')));
    const code = codes.grant(ar, '4/0A' + randomToken(60), user.sub, grantedScopes(ar.scopes));
    code.extra = { ...ar.extra, offline };
    // Google: ?state=…&code=…&scope=…&authuser=0&prompt=consent (order as observed)
    redirectWith(res, ar.redirect_uri, { ...stateParam, code: code.code, scope: redirectScopeParam(ar.scopes), authuser: '0', ...(user.hd ? { hd: user.hd } : {}), prompt: 'consent' });
  }

  // ---- token endpoint -----------------------------------------------------------------------

  async function token(req: IncomingMessage, res: ServerResponse, params: Params, mono: number): Promise<void> {
    const creds = clientCredentials(req, params);
    const grantType = params.grant_type;
    if (!grantType || ![DEVICE_CODE_GRANT, 'authorization_code', 'refresh_token'].includes(grantType)) {
      return oauthError(res, 400, 'unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`);
    }
    if (!creds.id) return oauthError(res, 400, 'invalid_request', 'Could not determine client ID from request.');
    const client = clientOf(creds.id);
    if (!client) return oauthError(res, 401, 'invalid_client', 'The OAuth client was not found.');
    // Desktop clients send their secret on every token request, PKCE or not (native-app doc, step 5:
    // client_secret is "not applicable to … Android, iOS, or Chrome"); so do device clients when
    // polling (limited-input-device doc, step 4). Refreshing, a device client's is "Optional".
    // CHOICE: Google's observed answer to a missing one.
    const secretOptional = client.type === 'tv' && grantType === 'refresh_token';
    if (!creds.secret && !secretOptional) return oauthError(res, 400, 'invalid_request', 'client_secret is missing.');
    if (creds.secret && creds.secret !== client.secret) return oauthError(res, 401, 'invalid_client', 'Unauthorized');
    if (grantType === 'authorization_code') return codeExchange(res, params, creds);
    if (grantType === 'refresh_token') return refreshExchange(res, params, creds);
    // "The OAuth client type is incorrect" (401 invalid_client, limited-input-device doc, error table).
    if (client.type !== 'tv') return oauthError(res, 401, 'invalid_client', 'Invalid client type.');
    return devicePoll(res, params, mono, creds);
  }

  async function codeExchange(res: ServerResponse, params: Params, creds: ClientCredentials): Promise<void> {
    if (!params.code) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: code');
    if (params.redirect_uri === undefined) return oauthError(res, 400, 'invalid_request', 'Missing parameter: redirect_uri');
    const r = codes.redeem(params.code, creds.id, params.redirect_uri, params.code_verifier);
    if (!r.ok) {
      const text = { unknown: 'Bad Request', reused: 'Bad Request', redirect_uri: 'Bad Request', verifier_missing: 'Missing code verifier.', verifier_mismatch: 'Invalid code verifier.' };
      return oauthError(res, 400, r.reason === 'redirect_uri' ? 'redirect_uri_mismatch' : 'invalid_grant', text[r.reason]);
    }
    const c = r.code;
    if (c.extra.offline && options.clientType === 'web') offlineGrants.add(`${c.client_id} ${c.subject}`);
    await sendTokens(res, 'authorization_code', creds, c.code_challenge !== undefined, mint(c.subject, c.client_id, c.scopes, 'authorization_code', c.extra.offline === true), c.extra.nonce);
  }

  async function refreshExchange(res: ServerResponse, params: Params, creds: ClientCredentials): Promise<void> {
    if (!params.refresh_token) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: refresh_token');
    const check = store.checkRefresh(params.refresh_token, creds.id);
    if (!check.ok) return oauthError(res, 400, 'invalid_grant', 'Token has been expired or revoked.');
    const rec = check.rec;
    let scopes = rec.scopes;
    if (params.scope) {
      // A refresh may narrow the scope, never widen it.
      const asked = grantedScopes(parseScopes(params.scope));
      if (asked.some((s) => !rec.scopes.includes(s))) return oauthError(res, 400, 'invalid_scope', 'Bad Request');
      scopes = asked;
    }
    // Google does not rotate refresh tokens: the same one stays valid and none is in the answer
    // ("As long as the user has not revoked the access … returns a JSON object that contains a new access token").
    await sendTokens(res, 'refresh_token', creds, false, mint(rec.subject, rec.clientId, scopes, rec.flow, false, rec));
  }

  // ---- device flow (limited-input-device doc) ------------------------------------------------

  const DEVICE_PAGE = { action: '/device', heading: 'Enter the code displayed on your device', label: 'Code', authorizeLabel: 'Continue', denyLabel: 'Cancel' };

  function deviceCode(res: ServerResponse, params: Params): void {
    if (!params.client_id) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: client_id');
    const client = clientOf(params.client_id);
    if (!client) return oauthError(res, 401, 'invalid_client', 'The OAuth client was not found.');
    // Only "TVs and Limited Input devices" clients: 401 invalid_client (error table; description observed).
    if (client.type !== 'tv') return oauthError(res, 401, 'invalid_client', 'Invalid client type.');
    const scopes = parseScopes(params.scope);
    if (scopes.length === 0) return oauthError(res, 400, 'invalid_scope', 'Missing required parameter: scope');
    const refused = scopes.filter((s) => !GOOGLE_DEVICE_SCOPES.has(s));
    if (refused.length) return oauthError(res, 400, 'invalid_scope', 'Invalid device flow scope: ' + refused.join(' '));
    const d = options.device;
    const rec = devices.start({ device_code: 'AH-1Ng' + randomToken(60), user_code: randomUserCode(), client_id: client.id, scopes: grantedScopes(scopes), scope: params.scope });
    // Google's field name is verification_url (not RFC 8628's verification_uri).
    sendJson(res, 200, { device_code: rec.device_code, user_code: rec.user_code, expires_in: d.expiresIn, interval: d.interval, verification_url: `${http.url}/device` });
  }

  function deviceDecision(res: ServerResponse, params: Params): void {
    const outcome = devices.submit(params.user_code, params.decision, findUser(options.device.user).sub);
    const text = { invalid: '<p id="error">Invalid code. Check the code and try again.</p>', denied: '<p id="result">Access denied.</p>', approved: '<p id="result">Success! You can now return to your device.</p>' };
    sendHtml(res, 200, 'Device – Google', text[outcome]);
  }

  // Step 6: 428 authorization_pending "Precondition Required", 403 slow_down / access_denied "Forbidden".
  const POLL_ANSWERS: Record<string, [number, string]> = {
    authorization_pending: [428, 'Precondition Required'],
    slow_down: [403, 'Forbidden'],
    access_denied: [403, 'Forbidden'],
  };

  async function devicePoll(res: ServerResponse, params: Params, mono: number, creds: ClientCredentials): Promise<void> {
    if (!params.device_code) return oauthError(res, 400, 'invalid_request', 'Missing required parameter: device_code');
    const rec = devices.get(params.device_code);
    if (!rec || rec.client_id !== creds.id) return oauthError(res, 400, 'invalid_grant', 'Bad Request');
    const polled = devices.poll(rec, mono, 'invalid_grant');
    if ('error' in polled) {
      const [status, description] = POLL_ANSWERS[polled.error] ?? [400, 'Bad Request'];
      return oauthError(res, status, polled.error, description);
    }
    // "Note that refresh tokens are always returned for devices."
    await sendTokens(res, 'device_code', creds, false, mint(findUser(polled.approvedBy ?? options.device.user).sub, rec.client_id, rec.scopes, 'device_code', true));
  }

  // ---- userinfo / revoke / tokeninfo --------------------------------------------------------

  // "The token can be an access token or a refresh token … If the revocation is successfully
  // processed, then the HTTP status code of the response is 200. For error conditions, an HTTP
  // status code 400 is returned along with an error code." (limited-input-device doc, "Token revocation")
  function revoke(res: ServerResponse, params: Params): void {
    const rec = store.find(params.token);
    if (!params.token) return oauthError(res, 400, 'invalid_request', 'Bad Request');
    const live = rec && !rec.revoked && (rec.kind === 'refresh' || store.validAccess(rec.token) !== undefined);
    if (!rec || !live) return oauthError(res, 400, 'invalid_token', 'Token expired or revoked');
    store.revoke(rec, 'api');
    sendJson(res, 200, {});
  }

  // ---- http server --------------------------------------------------------------------------

  const internalError = (err: unknown): unknown => ({ error: 'internal_failure', error_description: `fake Google error: ${String(err)}` });
  const http = await startFakeHttp<GoogleRecordedRequest['headers']>({ tls: initial.tls, publicHost: initial.publicHost, replies, latencyMs: () => options.latencyMs, route, internalError });

  return {
    ...fakeOAuthServer<GoogleTypes>({ http, decisionPath: '/o/oauth2/v2/auth/decision', options, users, requests: http.requests, grants, revocations, devices, store, setOptions, userKey: (who) => findUser(who).sub, approver: () => options.device.user }),
    issuer: http.url,
    authorizeRequests,
    jwks: openid.jwks,
    isRefreshTokenValid: (t) => {
      const rec = store.find(t, 'refresh');
      return !!rec && !rec.revoked;
    },
    async issueTokens(who, o = {}) {
      const user = findUser(who);
      if (who && user.email !== who && user.sub !== who) throw new Error(`unknown user ${who}`);
      const clientId = o.clientId ?? options.clientId;
      const scopes = grantedScopes(parseScopes(o.scopes ?? 'openid email profile'));
      const { access, refresh } = mint(user.sub, clientId, scopes, 'test', o.offline !== false);
      if (refresh) offlineGrants.add(`${clientId} ${user.sub}`);
      if (o.expired) access.expiresAt = Date.now() - 60_000;
      const id = scopes.includes('openid') ? await openid.idToken(user, clientId, scopes, access.token, o.nonce) : undefined;
      return { access_token: access.token, refresh_token: refresh?.token, id_token: id, expires_at: access.expiresAt!, scope: scopes.join(' ') };
    },
  };
}
