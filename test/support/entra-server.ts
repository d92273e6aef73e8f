/**
 * A local fake of Microsoft Entra ID's v2.0 endpoints (the Microsoft identity platform) and of
 * the bit of Microsoft Graph oauthcli touches, for end-to-end tests (the shared OAuth state is in
 * oauth-core.ts). The CLI reaches it with `--hostname 127.0.0.1:PORT`: every authority path
 * (`/<tenant>/v2.0/...`, `/<tenant>/oauth2/v2.0/...`) and Graph (`/oidc/userinfo`, `/v1.0/me`)
 * live on this one server (Entra puts Graph on graph.microsoft.com).
 *
 * Behaviour follows Microsoft's documentation, cited beside each behaviour:
 * - OIDC: https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc
 * - issuer validation: https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-the-issuer
 * - ID token claims: https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference
 * - auth code + PKCE: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
 * - device code: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code
 * - refresh tokens: https://learn.microsoft.com/entra/identity-platform/refresh-tokens
 * - redirect URIs: https://learn.microsoft.com/entra/identity-platform/reply-url
 * - userinfo: https://learn.microsoft.com/entra/identity-platform/userinfo
 * - scopes: https://learn.microsoft.com/entra/identity-platform/scopes-oidc
 * Choices where Microsoft's behaviour is undocumented or the fake simplifies are marked "CHOICE:".
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { createReplies, escapeHtml, randomBase64url, randomUserCode, startFakeHttp } from './fake-http.ts';
import type { Arrival, CommonRecordedHeaders, Params, RecordedHttpRequest } from './fake-http.ts';
import { DEVICE_CODE_GRANT, bearerToken, consentPage, createAuthCodes, createDeviceFlow, createTokenStore, devicePageHtml, fakeOAuthServer, optionSetter, splitScopes } from './oauth-core.ts';
import type { DeviceFlowUserOptions, FakeOAuthOptions, FakeOAuthServer, GrantType, OAuthGrantRecord, TokenRecord } from './oauth-core.ts';

/** The tenant of personal Microsoft accounts ("consumers"). */
export const MSA_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
export const GRAPH = 'https://graph.microsoft.com';
export const ARM_SCOPE = 'https://management.azure.com/user_impersonation';

export interface FakeEntraUser {
  /** Object id in its tenant. */
  oid: string;
  /** The tenant the user signs in to (`tid`). */
  tid: string;
  /** Pairwise subject (per user and app). */
  sub: string;
  name: string;
  preferred_username: string;
  email?: string | undefined;
  given_name?: string | undefined;
  family_name?: string | undefined;
}

/**
 * `iss-other-tenant`: an `iss` naming another tenant than the token's `tid`; `other-sub`: another
 * user's `sub` on the next refresh; `key-of-other-tenant`: the keys document says the signing key
 * signs for another tenant only.
 */
export type ForgeEntraIdToken = 'iss-other-tenant' | 'non-guid-tid' | 'other-sub' | 'key-of-other-tenant' | undefined;

export interface FakeEntraOptions extends FakeOAuthOptions<FakeEntraUser, DeviceFlowUserOptions> {
  /** Tenants by domain, besides the users' tenant ids ("contoso.onmicrosoft.com" → tid). */
  domains?: Record<string, string> | undefined;
  /** "Allow public client flows" (the device flow). Default true. */
  publicClientFlows?: boolean | undefined;
  /** Access token lifetime in seconds ("a random value ranging between 60-90 minutes"; CHOICE: 3599). */
  tokenLifetime?: number | undefined;
  forgeIdToken?: ForgeEntraIdToken;
  /** Which user signs in on the consent page (preferred_username or oid). Default: the first user. */
  webUser?: string | undefined;
}

interface ResolvedEntraOptions {
  clientId: string;
  domains: Record<string, string>;
  publicClientFlows: boolean;
  tokenLifetime: number;
  forgeIdToken?: ForgeEntraIdToken;
  webUser?: string | undefined;
  device: DeviceFlowUserOptions;
  latencyMs: number;
}

export type EntraRecordedRequest = RecordedHttpRequest<CommonRecordedHeaders>;

export interface EntraAuthorizeRecord {
  tenant: string;
  client_id?: string | undefined;
  redirect_uri?: string | undefined;
  scope?: string | undefined;
  prompt?: string | undefined;
  nonce?: string | undefined;
  code_challenge?: string | undefined;
  code_challenge_method?: string | undefined;
}

export interface EntraGrantRecord extends OAuthGrantRecord {
  tenant: string;
  oid: string;
  id_token?: string | undefined;
  /** The API the access token is for (its `aud`). */
  resource: string;
}

type EntraTypes = { options: ResolvedEntraOptions; patch: FakeEntraOptions; user: FakeEntraUser; request: EntraRecordedRequest; grant: EntraGrantRecord; revocation: never };

export interface FakeEntra extends FakeOAuthServer<EntraTypes> {
  readonly authorizeRequests: EntraAuthorizeRecord[];
  readonly jwks: { keys: JWK[] };
  /** The ID tokens issued, in order. */
  readonly idTokens: string[];
}

export const DEFAULT_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = '00000000-1111-2222-3333-444444444444';
const DEFAULT_USER: FakeEntraUser = {
  oid: '00000000-0000-0000-66f3-3332eca7ea81',
  tid: DEFAULT_TENANT,
  sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
  name: 'Megan Bowen',
  preferred_username: 'meganb@contoso.onmicrosoft.com',
  email: 'meganb@contoso.com',
  given_name: 'Megan',
  family_name: 'Bowen',
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

/** The resource a scope is for: a bare name is Microsoft Graph's (scopes-oidc: "If the resource identifier is omitted … the resource is assumed to be Microsoft Graph"). */
export function resourceOf(scope: string): string | undefined {
  if (OIDC_SCOPES.has(scope)) return undefined;
  const slash = scope.lastIndexOf('/');
  return slash <= 0 ? GRAPH : scope.slice(0, slash);
}

/** The scopes of a resource as Entra lists them in a token response: Graph's in URL form, with the OpenID Connect ones. */
function grantedScopeText(scopes: string[]): string {
  return scopes
    .filter((s) => s !== 'offline_access')
    .map((s) => (resourceOf(s) === GRAPH && !s.startsWith(`${GRAPH}/`) ? `${GRAPH}/${s}` : s))
    .join(' ');
}

export async function startFakeEntra(initial: FakeEntraOptions = {}): Promise<FakeEntra> {
  const defaults: Partial<ResolvedEntraOptions> = {
    clientId: '11111111-2222-3333-4444-555555555555',
    domains: { 'contoso.onmicrosoft.com': DEFAULT_TENANT },
    publicClientFlows: true,
    tokenLifetime: 3599,
    latencyMs: 0,
  };
  // "interval … 5" and "expires_in … 900" (device code doc, "Device authorization response"); CHOICE: interval 1 to keep tests short.
  const options = { device: { interval: 1, expiresIn: 900, pendingPolls: 1, outcome: 'approve', slowDownIncrement: 0, enforceInterval: true } } as ResolvedEntraOptions;
  const users: FakeEntraUser[] = (initial.users ?? [DEFAULT_USER]).map((u) => ({ ...u }));
  const authorizeRequests: EntraAuthorizeRecord[] = [];
  const grants: EntraGrantRecord[] = [];
  const idTokens: string[] = [];
  const devices = createDeviceFlow(() => options.device);
  const codes = createAuthCodes<{ nonce?: string | undefined; tenant: string }>();
  const store = createTokenStore(() => undefined);
  const setOptions = optionSetter(options, defaults, users, initial);

  const findUser = (who: string | undefined): FakeEntraUser => {
    const u = (who && users.find((x) => x.preferred_username === who || x.oid === who || x.sub === who)) || users[0];
    if (!u) throw new Error('fake Entra has no users');
    return u;
  };

  const kid = randomBase64url(20);
  const signing = await generateKeyPair('RS256', { extractable: true });
  // The keys document gives each key its issuer, templated for multi-tenant keys (access-tokens#validate-the-signing-key-issuer).
  const publicJwk: JWK = { ...(await exportJWK(signing.publicKey)), kid, use: 'sig', kty: 'RSA', issuer: '' } as JWK;

  // ---- tenants -------------------------------------------------------------------------------

  /** A tenant segment as Entra takes it: an alias, a tenant id, or a verified domain. Undefined: unknown. */
  function tenantKind(tenant: string): 'multi' | 'consumers' | string | undefined {
    const t = tenant.toLowerCase();
    if (t === 'common' || t === 'organizations') return 'multi';
    if (t === 'consumers') return 'consumers';
    if (GUID.test(t) && (users.some((u) => u.tid === t) || t === MSA_TENANT)) return t;
    return options.domains[t];
  }

  /**
   * "These endpoints return an issuer value, which is a template parametrized by the tenantid:
   * https://login.microsoftonline.com/{tenantid}/v2.0" for common and organizations; a tenant's own
   * for a tenant id, a domain and consumers (access-tokens#validate-the-issuer).
   */
  function issuerFor(tenant: string): string {
    const kind = tenantKind(tenant)!;
    if (kind === 'multi') return `${http.url}/{tenantid}/v2.0`;
    return `${http.url}/${kind === 'consumers' ? MSA_TENANT : kind}/v2.0`;
  }

  // ---- tokens --------------------------------------------------------------------------------

  /** An ID token (id-token-claims-reference): aud = the app, iss = the tenant's issuer, tid, oid, sub, preferred_username, name, email. */
  async function idToken(user: FakeEntraUser, scopes: string[], nonce: string | undefined, refreshed: boolean): Promise<string> {
    const forge = options.forgeIdToken;
    const now = Math.floor(Date.now() / 1000);
    const tid = forge === 'non-guid-tid' ? 'contoso' : user.tid;
    const claims: Record<string, unknown> = {
      ver: '2.0',
      iss: `${http.url}/${forge === 'iss-other-tenant' ? OTHER_TENANT : tid}/v2.0`,
      sub: forge === 'other-sub' && refreshed ? 'AAAAAAAAAAAAAAAAAAAAAsomeoneelse000000000' : user.sub,
      aud: options.clientId,
      exp: now + 3600,
      iat: now,
      nbf: now,
      tid,
      oid: user.oid,
      uti: randomBase64url(16),
      ...(nonce ? { nonce } : {}),
      // "profile" brings name and preferred_username; "email" the email claim (scopes-oidc#openid-connect-scopes).
      ...(scopes.includes('profile') ? { name: user.name, preferred_username: user.preferred_username } : {}),
      ...(scopes.includes('email') && user.email ? { email: user.email } : {}),
    };
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(signing.privateKey);
    idTokens.push(token);
    return token;
  }

  /** Access and refresh tokens for `scopes` (one resource), an ID token with openid. */
  async function issue(res: ServerResponse, grant_type: GrantType, tenant: string, user: FakeEntraUser, scopes: string[], nonce: string | undefined, pkce: boolean): Promise<void> {
    const resource = [...new Set(scopes.map(resourceOf).filter((r): r is string => r !== undefined))][0] ?? GRAPH;
    const offline = scopes.includes('offline_access');
    const { access, refresh } = store.mint({
      subject: user.oid,
      clientId: options.clientId,
      scopes,
      flow: grant_type,
      accessToken: 'eyJ0eXAiOiJKV1Qi.' + randomBase64url(90),
      accessExpiresIn: options.tokenLifetime,
      // Refresh tokens come with offline_access (v2-oauth2-auth-code-flow, "offline_access … to receive a refresh token").
      refreshToken: offline ? '1.AXEA' + randomBase64url(120) : undefined,
    });
    const id = scopes.includes('openid') ? await idToken(user, scopes, nonce, grant_type === 'refresh_token') : undefined;
    const scope = grantedScopeText(scopes);
    grants.push({ grant_type, tenant, oid: user.oid, client_secret_sent: false, pkce, time: Date.now(), access_token: access.token, refresh_token: refresh?.token, id_token: id, scope, resource });
    sendJson(res, 200, {
      token_type: 'Bearer',
      scope,
      expires_in: options.tokenLifetime,
      ext_expires_in: options.tokenLifetime,
      access_token: access.token,
      ...(refresh ? { refresh_token: refresh.token } : {}),
      ...(id ? { id_token: id } : {}),
    });
  }

  // ---- responses -----------------------------------------------------------------------------

  const replies = createReplies({ jsonType: 'application/json; charset=utf-8', jsonHeaders: { 'cache-control': 'no-store, no-cache' } });
  const { sendJson, sendHtml, redirectWith } = replies;
  /** Entra's error body: error, error_description starting with the AADSTS number, error_codes (v2-oauth2-auth-code-flow, "Error response example"). */
  const aadError = (res: ServerResponse, status: number, error: string, number: number, text: string): void =>
    sendJson(res, status, {
      error,
      error_description: `AADSTS${number}: ${text} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
      error_codes: [number],
      timestamp: new Date().toISOString(),
      trace_id: randomUUID(),
      correlation_id: randomUUID(),
    });
  const errorPage = (res: ServerResponse, number: number, text: string): void =>
    sendHtml(res, 400, 'Sign in to your account', `<h1>Sorry, but we’re having trouble signing you in.</h1><p id="error">AADSTS${number}: ${escapeHtml(text)}</p>`);

  /** "scope … contains more than one resource": refused (AADSTS28000, observed at the token endpoint: github.com/AzureAD/microsoft-authentication-library-for-js/issues/1487). */
  function twoResources(scopes: string[]): boolean {
    return new Set(scopes.map(resourceOf).filter((r) => r !== undefined)).size > 1;
  }
  const TWO_RESOURCES = (scopes: string[]) => `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scopes.join(' ')} is not valid.`;

  // ---- routing -------------------------------------------------------------------------------

  function route(req: IncomingMessage, res: ServerResponse, { mono, path, query, method, body }: Arrival): void | Promise<void> {
    if (method === 'GET' && path === '/oidc/userinfo') return userinfo(req, res);
    if (method === 'GET' && path === '/v1.0/me') return me(req, res);
    if (method === 'GET' && path === '/devicelogin') return sendHtml(res, 200, 'Enter code', devicePageHtml(DEVICE_PAGE, query.user_code));
    if (method === 'POST' && path === '/devicelogin') return deviceDecision(res, body);
    if (method === 'POST' && path === DECISION_PATH) return authorizeDecision(res, body);
    const m = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|discovery\/v2\.0\/keys|oauth2\/v2\.0\/(?:authorize|token|devicecode))$/.exec(path);
    if (m) {
      const [, tenant, what] = m as unknown as [string, string, string];
      // An unknown tenant: AADSTS90002 "Tenant … not found" (CHOICE: 400 with the error body everywhere).
      if (!tenantKind(tenant)) return aadError(res, 400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found.`);
      if (method === 'GET' && what === 'v2.0/.well-known/openid-configuration') return discovery(res, tenant);
      if (method === 'GET' && what === 'discovery/v2.0/keys') {
        const issuer = options.forgeIdToken === 'key-of-other-tenant' ? `${http.url}/${OTHER_TENANT}/v2.0` : issuerFor(tenant);
        return sendJson(res, 200, { keys: [{ ...publicJwk, issuer }] });
      }
      if (method === 'GET' && what === 'oauth2/v2.0/authorize') return authorize(res, tenant, query);
      if (method === 'POST' && what === 'oauth2/v2.0/token') return token(res, tenant, body, mono);
      if (method === 'POST' && what === 'oauth2/v2.0/devicecode') return deviceCode(res, tenant, body);
    }
    sendJson(res, 404, { error: 'not_found' });
  }

  // v2-protocols-oidc, "Find your app's OpenID configuration document URI": the document has no
  // revocation_endpoint (Entra offers none to clients), and userinfo is at Microsoft Graph.
  function discovery(res: ServerResponse, tenant: string): void {
    const base = `${http.url}/${tenant}`;
    sendJson(res, 200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: issuerFor(tenant),
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${http.url}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'WW',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    });
  }

  // ---- authorization endpoint (v2-oauth2-auth-code-flow) -------------------------------------------

  const REDIRECT_PATH = '/callback';
  const DECISION_PATH = '/common/login/consent';
  const CONSENT = { action: DECISION_PATH, heading: 'Permissions requested', redirectLead: 'Accepting will redirect to', denyLabel: 'Cancel', authorizeLabel: 'Accept' };

  /**
   * The app's registered redirect URI, "Mobile and desktop applications": http://127.0.0.1/callback.
   * "the port component … is ignored for the purposes of matching a redirect URI", the path is not
   * (reply-url#localhost-exceptions).
   */
  function redirectMatches(uri: string | undefined): boolean {
    if (!uri) return false;
    try {
      const u = new URL(uri);
      return u.protocol === 'http:' && u.hostname === '127.0.0.1' && u.pathname === REDIRECT_PATH && !u.search && !u.hash;
    } catch {
      return false;
    }
  }

  function authorize(res: ServerResponse, tenant: string, q: Params): void {
    const { client_id, redirect_uri, response_type, scope, state, nonce, prompt, code_challenge, code_challenge_method } = q;
    authorizeRequests.push({ tenant, client_id, redirect_uri, scope, prompt, nonce, code_challenge, code_challenge_method });
    // Errors before the redirect URI is trusted are shown on Microsoft's page, not redirected.
    if (client_id !== options.clientId) return errorPage(res, 700016, `Application with identifier '${client_id ?? ''}' was not found in the directory.`);
    if (!redirectMatches(redirect_uri)) return errorPage(res, 50011, `The redirect URI '${redirect_uri ?? ''}' specified in the request does not match the redirect URIs configured for the application '${options.clientId}'.`);
    const stateParam: Params = state !== undefined ? { state } : {};
    if (response_type !== 'code') return redirectWith(res, redirect_uri!, { error: 'unsupported_response_type', error_description: 'AADSTS700054: response_type is not enabled for the application.', ...stateParam });
    const scopes = splitScopes(scope);
    if (!scopes.length) return redirectWith(res, redirect_uri!, { error: 'invalid_request', error_description: "AADSTS900144: The request body must contain the following parameter: 'scope'.", ...stateParam });
    // PKCE: "S256 … plain" accepted; public clients are "strongly recommended" to use it (v2-oauth2-auth-code-flow, "Request an authorization code").
    if (code_challenge !== undefined && (code_challenge_method ?? 'plain') !== 'S256' && code_challenge_method !== 'plain') {
      return redirectWith(res, redirect_uri!, { error: 'invalid_request', error_description: 'AADSTS501491: Invalid code_challenge_method.', ...stateParam });
    }
    const ar = codes.begin({ client_id: client_id!, redirect_uri: redirect_uri!, scopes, state, code_challenge, code_challenge_method: code_challenge === undefined ? undefined : (code_challenge_method ?? 'plain'), extra: { nonce, tenant } });
    sendHtml(res, 200, 'Permissions requested', consentPage(ar, findUser(options.webUser).preferred_username, scopes, CONSENT));
  }

  function authorizeDecision(res: ServerResponse, form: Params): void {
    const d = codes.decide(form);
    if (!d) return errorPage(res, 9002313, 'Invalid request. Request is malformed or invalid.');
    const { request: ar, state } = d;
    // "error=access_denied … The resource owner or authorization server denied the request" (v2-oauth2-auth-code-flow, "Error codes").
    if (!d.approved) return redirectWith(res, ar.redirect_uri, { error: 'access_denied', error_description: 'AADSTS65004: User declined to consent to access the app.', ...state });
    const user = findUser(options.webUser);
    const code = codes.grant(ar, '1.AXEA' + randomBase64url(200), user.oid, ar.scopes);
    // "code … state … session_state" and no `iss` (v2-oauth2-auth-code-flow, "Successful response").
    redirectWith(res, ar.redirect_uri, { code: code.code, ...state, session_state: randomUUID() });
  }

  // ---- token endpoint -------------------------------------------------------------------------

  async function token(res: ServerResponse, tenant: string, params: Params, mono: number): Promise<void> {
    const grantType = params.grant_type;
    if (params.client_id !== options.clientId) return aadError(res, 400, 'unauthorized_client', 700016, `Application with identifier '${params.client_id ?? ''}' was not found in the directory.`);
    // "Client is public so neither 'client_assertion' nor 'client_secret' should be presented." (AADSTS700025, observed)
    if (params.client_secret || params.client_assertion) return aadError(res, 401, 'invalid_client', 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
    if (grantType === 'authorization_code') return codeExchange(res, tenant, params);
    if (grantType === 'refresh_token') return refreshExchange(res, tenant, params);
    if (grantType === DEVICE_CODE_GRANT) return devicePoll(res, tenant, params, mono);
    return aadError(res, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType ?? ''}'.`);
  }

  async function codeExchange(res: ServerResponse, tenant: string, params: Params): Promise<void> {
    const r = codes.redeem(params.code, params.client_id, params.redirect_uri, params.code_verifier, true);
    if (!r.ok) {
      if (r.reason === 'verifier_missing' || r.reason === 'verifier_mismatch') return aadError(res, 400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
      if (r.reason === 'redirect_uri') return aadError(res, 400, 'invalid_grant', 70000, "The request was denied because one or more scopes requested are unauthorized or expired. The user must first sign in and grant the client application access to the requested scope.");
      return aadError(res, 400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
    }
    const c = r.code;
    if (twoResources(c.scopes)) return aadError(res, 400, 'invalid_scope', 28000, TWO_RESOURCES(c.scopes));
    await issue(res, 'authorization_code', tenant, findUser(c.subject), c.scopes, c.extra.nonce, c.code_challenge !== undefined);
  }

  // "Refresh tokens replace themselves with a fresh token upon every use. The Microsoft identity
  // platform doesn't revoke old refresh tokens when used to fetch new access tokens." (refresh-tokens, "Token lifetime")
  async function refreshExchange(res: ServerResponse, tenant: string, params: Params): Promise<void> {
    const rec = store.find(params.refresh_token, 'refresh');
    if (!rec || rec.revoked || rec.clientId !== params.client_id) return aadError(res, 400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity.');
    // A refresh token may be redeemed for any resource the user consented to ("scope" on refresh: v2-oauth2-auth-code-flow, "Refresh the access token").
    const scopes = params.scope ? splitScopes(params.scope) : rec.scopes;
    if (twoResources(scopes)) return aadError(res, 400, 'invalid_scope', 28000, TWO_RESOURCES(scopes));
    await issue(res, 'refresh_token', tenant, findUser(rec.subject), scopes, undefined, false);
  }

  // ---- device code flow (v2-oauth2-device-code) -----------------------------------------------

  const DEVICE_PAGE = { action: '/devicelogin', heading: 'Enter code', label: 'Code', authorizeLabel: 'Next', denyLabel: 'Cancel' };

  function deviceCode(res: ServerResponse, tenant: string, params: Params): void {
    if (params.client_id !== options.clientId) return aadError(res, 400, 'unauthorized_client', 700016, `Application with identifier '${params.client_id ?? ''}' was not found in the directory.`);
    const scopes = splitScopes(params.scope);
    if (twoResources(scopes)) return aadError(res, 400, 'invalid_scope', 28000, TWO_RESOURCES(scopes));
    const rec = devices.start({ device_code: 'DAQABAAEAAAD' + randomBase64url(150), user_code: randomUserCode().replace('-', ''), client_id: options.clientId, scopes, scope: params.scope });
    (rec as typeof rec & { tenant: string }).tenant = tenant;
    const verification_uri = `${http.url}/devicelogin`;
    // "Device authorization response": device_code, user_code, verification_uri, expires_in, interval, message.
    sendJson(res, 200, {
      user_code: rec.user_code,
      device_code: rec.device_code,
      verification_uri,
      expires_in: options.device.expiresIn,
      interval: options.device.interval,
      message: `To sign in, use a web browser to open the page ${verification_uri} and enter the code ${rec.user_code} to authenticate.`,
    });
  }

  function deviceDecision(res: ServerResponse, form: Params): void {
    const outcome = devices.submit(form.user_code, form.decision, findUser(options.device.user).oid);
    sendHtml(res, 200, 'Enter code', { invalid: '<p id="error">That code didn’t work.</p>', denied: '<p id="result">You declined.</p>', approved: '<p id="result">You have signed in.</p>' }[outcome]);
  }

  // "Expected errors": authorization_pending, authorization_declined, bad_verification_code, expired_token — all HTTP 400.
  async function devicePoll(res: ServerResponse, tenant: string, params: Params, mono: number): Promise<void> {
    // Without "Allow public client flows": AADSTS7000218 (the request "must contain … 'client_assertion' or 'client_secret'").
    if (!options.publicClientFlows) return aadError(res, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    const rec = devices.get(params.device_code);
    if (!rec) return aadError(res, 400, 'bad_verification_code', 70019, 'The device_code sent to the /token endpoint wasn’t recognized.');
    const polled = devices.poll(rec, mono, 'bad_verification_code');
    if ('error' in polled) {
      const error = polled.error === 'access_denied' ? 'authorization_declined' : polled.error;
      const texts: Record<string, [number, string]> = {
        authorization_pending: [70016, 'The provided request has not yet been authorized by the user. The user must input their code.'],
        authorization_declined: [70000, 'The end user denied the authorization request.'],
        expired_token: [70020, 'The provided value for the input parameter device_code is not valid.'],
        bad_verification_code: [70019, 'The device_code sent to the /token endpoint wasn’t recognized.'],
        slow_down: [70016, 'The request was made too soon after the last one.'],
      };
      const [number, text] = texts[error] ?? [70000, 'Error.'];
      return aadError(res, 400, error, number, text);
    }
    await issue(res, 'device_code', tenant, findUser(polled.approvedBy ?? options.device.user), rec.scopes, undefined, false);
  }

  // ---- Microsoft Graph ------------------------------------------------------------------------

  /** A Graph access token: valid, and for Graph (`aud` = Graph). Others are refused with 401 InvalidAuthenticationToken. */
  function graphToken(req: IncomingMessage, res: ServerResponse): TokenRecord | undefined {
    const rec = store.validAccess(bearerToken(req));
    const audience = rec ? ([...new Set(rec.scopes.map(resourceOf).filter((r) => r !== undefined))][0] ?? GRAPH) : undefined;
    if (!rec || audience !== GRAPH) {
      sendJson(res, 401, { error: { code: 'InvalidAuthenticationToken', message: rec ? 'Access token validation failure. Invalid audience.' : 'Access token has expired or is not yet valid.' } }, {
        'www-authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
      });
      return undefined;
    }
    return rec;
  }

  // userinfo: "You can't use … tokens for other resources … Only tokens for Microsoft Graph"
  // (userinfo, "Calling the API"); it answers sub (the ID token's), name, family_name, given_name, picture, email.
  function userinfo(req: IncomingMessage, res: ServerResponse): void {
    const rec = graphToken(req, res);
    if (!rec) return;
    const user = findUser(rec.subject);
    sendJson(res, 200, { sub: user.sub, name: user.name, family_name: user.family_name, given_name: user.given_name, picture: `${GRAPH}/v1.0/me/photo/$value`, ...(user.email ? { email: user.email } : {}) });
  }

  // https://learn.microsoft.com/graph/api/user-get ("GET /me"), with User.Read.
  function me(req: IncomingMessage, res: ServerResponse): void {
    const rec = graphToken(req, res);
    if (!rec) return;
    if (!rec.scopes.some((s) => /^(https:\/\/graph\.microsoft\.com\/)?User\.Read(\.All)?$/i.test(s))) {
      return sendJson(res, 403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } });
    }
    const user = findUser(rec.subject);
    sendJson(res, 200, {
      '@odata.context': `${GRAPH}/v1.0/$metadata#users/$entity`,
      businessPhones: [],
      displayName: user.name,
      givenName: user.given_name ?? null,
      jobTitle: null,
      mail: user.email ?? null,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: null,
      surname: user.family_name ?? null,
      userPrincipalName: user.preferred_username,
      id: user.oid,
    });
  }

  // ---- http server ----------------------------------------------------------------------------

  const http = await startFakeHttp<EntraRecordedRequest['headers']>({
    tls: initial.tls,
    publicHost: initial.publicHost,
    replies,
    latencyMs: () => options.latencyMs,
    route,
    internalError: (err) => ({ error: 'server_error', error_description: `fake Entra error: ${String(err)}` }),
  });

  return {
    ...fakeOAuthServer<EntraTypes>({
      http,
      decisionPath: DECISION_PATH,
      options,
      users,
      requests: http.requests,
      grants,
      revocations: [],
      devices,
      store,
      setOptions,
      userKey: (who) => findUser(who).oid,
      approver: () => options.device.user,
    }),
    authorizeRequests,
    jwks: { keys: [publicJwk] },
    idTokens,
  };
}
