/**
 * Local fakes of two hosted OpenID Connect services, Auth0 and Amazon Cognito user pools, each
 * behaving as its documentation says where oauthcli depends on it (the page is cited beside each
 * behaviour). One small server per fake, on 127.0.0.1, with one user and one public client; the
 * shared protocol (PKCE S256, codes, token families, the device poll) comes from oauth-core.ts.
 *
 * The hosted login page is skipped: the authorization request signs the user in at once and
 * redirects to the client (CHOICE), so a test acts as the browser with `browse(url)`.
 *
 * Auth0 (https://auth0.com/docs):
 * - the issuer ends in "/" (`https://TENANT.auth0.com/`: .well-known/openid-configuration of any
 *   tenant; https://auth0.com/docs/get-started/applications/configure-applications-with-oidc-discovery)
 * - access tokens are opaque unless `audience` names an API; then a JWT for that API whose `aud`
 *   also holds the userinfo endpoint when `openid` was asked
 *   (https://auth0.com/docs/secure/tokens/access-tokens, "Opaque access tokens" / "JWT access tokens";
 *   https://auth0.com/docs/secure/tokens/access-tokens/get-access-tokens, "audience")
 * - a refresh token only with `offline_access` (https://auth0.com/docs/secure/tokens/refresh-tokens/get-refresh-tokens),
 *   rotated on every use with reuse refused (https://auth0.com/docs/secure/tokens/refresh-tokens/refresh-token-rotation)
 * - the device flow at /oauth/device/code, `audience` accepted there too
 *   (https://auth0.com/docs/get-started/authentication-and-authorization-flow/device-authorization-flow/call-your-api-using-the-device-authorization-flow)
 * - /oauth/revoke revokes a refresh token (https://auth0.com/docs/api/authentication#revoke-refresh-token)
 *
 * Amazon Cognito (https://docs.aws.amazon.com/cognito/latest/developerguide/):
 * - issuer `https://cognito-idp.REGION.amazonaws.com/POOL_ID`, endpoints on the user pool's
 *   domain under /oauth2/ (amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html,
 *   cognito-userpools-server-contract-reference.html); here both on one loopback server
 * - scopes: openid, email, phone, profile and custom ones; anything else is `invalid_scope`
 *   (authorization-endpoint.html, "scope" and the error list); no offline_access in scopes_supported
 * - a refresh token with every authorization-code grant, none from a refresh (token-endpoint.html)
 * - no device flow: discovery names no device_authorization_endpoint
 * - /oauth2/revoke takes a refresh token and the client (client_id for a public client) and
 *   revokes the access tokens made from it (revocation-endpoint.html)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { parseBody, randomBase64url, randomUserCode, readBody, type Params } from './fake-http.ts';
import { DEVICE_CODE_GRANT, clientCredentials, createAuthCodes, createDeviceFlow, createTokenStore, splitScopes, type TokenRecord } from './oauth-core.ts';

export interface VendorUser {
  sub: string;
  email: string;
  name: string;
  preferred_username?: string;
}

export interface VendorAuthorizeRecord {
  query: Params;
}

export interface VendorFake {
  /** The issuer exactly as discovery names it. */
  issuer: string;
  clientId: string;
  user: VendorUser;
  /** Every authorization request's query. */
  authorizeRequests: Params[];
  /** Every device authorization request's form (Auth0). */
  deviceRequests: Params[];
  /** Every revocation request's form and answer. */
  revocations: Array<{ form: Params; status: number }>;
  /** Follows the authorization URL as a browser would: the redirect to the client, then the client's page. */
  browse(authorizeUrl: string): Promise<{ location: string; status: number }>;
  /** Approves the pending device code (Auth0). */
  approveDevice(userCode: string): void;
  /** Whether the userinfo endpoint takes this access token. */
  accessTokenWorks(token: string): boolean;
  close(): Promise<void>;
}

interface Dialect {
  issuer(origin: string): string;
  paths: { authorize: string; token: string; userinfo: string; revoke: string; jwks: string; device?: string };
  scopesSupported: string[];
  /** The scopes it refuses with invalid_scope (Cognito: anything it does not know). */
  refuses(scope: string): boolean;
  /** Whether a grant gets a refresh token. */
  refreshTokenFor(scopes: string[], flow: 'code' | 'device'): boolean;
  rotates: boolean;
  accessToken(ctx: { issuer: string; user: VendorUser; clientId: string; scopes: string[]; audience: string | undefined; sign: (claims: Record<string, unknown>) => Promise<string> }): Promise<string>;
  /** The token types /revoke takes. */
  revokes: Array<'access' | 'refresh'>;
}

const AUTH0: Dialect = {
  issuer: (origin) => `${origin}/`,
  paths: { authorize: '/authorize', token: '/oauth/token', userinfo: '/userinfo', revoke: '/oauth/revoke', jwks: '/.well-known/jwks.json', device: '/oauth/device/code' },
  // Every tenant's discovery document lists these (offline_access included).
  scopesSupported: ['openid', 'profile', 'offline_access', 'name', 'given_name', 'family_name', 'nickname', 'email', 'email_verified', 'picture', 'created_at', 'identities', 'phone', 'address'],
  refuses: () => false,
  refreshTokenFor: (scopes) => scopes.includes('offline_access'),
  rotates: true,
  async accessToken({ issuer, user, clientId, scopes, audience, sign }) {
    // No audience: an opaque token, good for /userinfo only.
    if (!audience) return randomBase64url(24);
    return sign({ iss: issuer, sub: user.sub, aud: scopes.includes('openid') ? [audience, `${issuer}userinfo`] : audience, azp: clientId, scope: scopes.join(' ') });
  },
  // CHOICE: an access token sent to /oauth/revoke is answered 200 and stays valid until it expires
  // (RFC 7009 §2.2: 200 for a token it does not revoke); the refresh token is what Auth0 revokes.
  revokes: ['refresh'],
};

const COGNITO_POOL = 'us-east-1_Examp1e';
const COGNITO: Dialect = {
  issuer: (origin) => `${origin}/${COGNITO_POOL}`,
  paths: { authorize: '/oauth2/authorize', token: '/oauth2/token', userinfo: '/oauth2/userInfo', revoke: '/oauth2/revoke', jwks: `/${COGNITO_POOL}/.well-known/jwks.json` },
  scopesSupported: ['openid', 'email', 'phone', 'profile'],
  refuses: (scope) => !['openid', 'email', 'phone', 'profile', 'aws.cognito.signin.user.admin'].includes(scope) && !scope.includes('/'),
  refreshTokenFor: (_scopes, flow) => flow === 'code',
  rotates: false,
  // Cognito's access tokens are JWTs with token_use=access, client_id and scope, and no aud.
  accessToken: ({ issuer, user, clientId, scopes, sign }) => sign({ iss: issuer, sub: user.sub, token_use: 'access', client_id: clientId, scope: scopes.join(' '), username: user.preferred_username ?? user.sub }),
  revokes: ['refresh'],
};

export function startFakeAuth0(opts: { clientId?: string } = {}): Promise<VendorFake> {
  return startVendor(AUTH0, opts.clientId ?? 'AuTh0ClIeNtId0000000000000000000', { sub: 'auth0|65f0c0ffee', email: 'alice@example.com', name: 'Alice Example', preferred_username: 'alice' });
}

export function startFakeCognito(opts: { clientId?: string } = {}): Promise<VendorFake> {
  return startVendor(COGNITO, opts.clientId ?? '1example23456789abcdefghij', { sub: '8f3b2c1d-0e9f-4a7b-9c6d-5e4f3a2b1c0d', email: 'alice@example.com', name: 'Alice Example', preferred_username: 'alice' });
}

async function startVendor(d: Dialect, clientId: string, user: VendorUser): Promise<VendorFake> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomBase64url(8);
  const jwks: { keys: JWK[] } = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  // Every token has its own `jti`, as Auth0's and Cognito's do: two minted in the same second differ.
  const sign = (claims: Record<string, unknown>, lifetime = 3600) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).setJti(randomBase64url(16)).setIssuedAt().setExpirationTime(`${lifetime}s`).sign(privateKey);
  const codes = createAuthCodes<{ nonce?: string | undefined; audience?: string | undefined }>();
  const devices = createDeviceFlow(() => ({ interval: 1, expiresIn: 600, pendingPolls: 0, outcome: 'manual', slowDownIncrement: 0, enforceInterval: false }));
  const store = createTokenStore(() => undefined);
  const audiences = new Map<string, string | undefined>();
  const authorizeRequests: Params[] = [];
  const deviceRequests: Params[] = [];
  const revocations: VendorFake['revocations'] = [];
  let origin = '';
  const issuer = () => d.issuer(origin);

  const json = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const redirect = (res: ServerResponse, to: string, params: Params) => {
    const url = new URL(to);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    res.writeHead(302, { location: url.toString(), 'content-length': 0 });
    res.end();
  };

  async function tokens(family: { scopes: string[]; audience: string | undefined; flow: 'code' | 'device'; nonce?: string | undefined; refreshOf?: TokenRecord }): Promise<Record<string, unknown>> {
    const access = await d.accessToken({ issuer: issuer(), user, clientId, scopes: family.scopes, audience: family.audience, sign });
    const withRefresh = family.refreshOf ? d.rotates : d.refreshTokenFor(family.scopes, family.flow);
    const minted = store.mint({
      subject: user.sub,
      clientId,
      scopes: family.scopes,
      flow: family.flow,
      family: family.refreshOf?.family,
      accessToken: access,
      accessExpiresIn: 3600,
      refreshToken: withRefresh ? randomBase64url(48) : undefined,
      refreshOf: family.refreshOf?.token,
    });
    if (minted.refresh) audiences.set(minted.refresh.token, family.audience);
    const id = family.scopes.includes('openid')
      ? await sign({ iss: issuer(), sub: user.sub, aud: clientId, email: user.email, name: user.name, ...(user.preferred_username ? { preferred_username: user.preferred_username } : {}), ...(family.nonce ? { nonce: family.nonce } : {}) })
      : undefined;
    return { access_token: access, token_type: 'Bearer', expires_in: 3600, ...(minted.refresh ? { refresh_token: minted.refresh.token } : {}), ...(id ? { id_token: id } : {}), scope: family.scopes.join(' ') };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams) as Params;
    const body = req.method === 'POST' ? parseBody(req, await readBody(req)) : {};
    if (req.method === 'GET' && path === `${new URL(issuer()).pathname.replace(/\/$/, '')}/.well-known/openid-configuration`) {
      return json(res, 200, {
        issuer: issuer(),
        authorization_endpoint: origin + d.paths.authorize,
        token_endpoint: origin + d.paths.token,
        userinfo_endpoint: origin + d.paths.userinfo,
        revocation_endpoint: origin + d.paths.revoke,
        jwks_uri: origin + d.paths.jwks,
        ...(d.paths.device ? { device_authorization_endpoint: origin + d.paths.device } : {}),
        scopes_supported: d.scopesSupported,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256', 'plain'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        id_token_signing_alg_values_supported: ['RS256'],
        subject_types_supported: ['public'],
      });
    }
    if (req.method === 'GET' && path === d.paths.jwks) return json(res, 200, jwks);
    if (req.method === 'GET' && path === d.paths.authorize) {
      authorizeRequests.push(query);
      if (query.client_id !== clientId || !query.redirect_uri) return json(res, 400, { error: 'invalid_request', error_description: 'unknown client' });
      const state: Params = query.state !== undefined ? { state: query.state } : {};
      const scopes = splitScopes(query.scope);
      const refused = scopes.filter((s) => d.refuses(s));
      if (refused.length) return redirect(res, query.redirect_uri, { error: 'invalid_scope', error_description: `Invalid scope: ${refused.join(' ')}`, ...state });
      if (query.code_challenge_method !== 'S256' || !query.code_challenge) return redirect(res, query.redirect_uri, { error: 'invalid_request', error_description: 'PKCE required', ...state });
      const pending = codes.begin({ client_id: clientId, redirect_uri: query.redirect_uri, scopes, state: query.state, code_challenge: query.code_challenge, code_challenge_method: 'S256', extra: { nonce: query.nonce, audience: query.audience } });
      const granted = codes.grant(pending, randomBase64url(24), user.sub, scopes);
      return redirect(res, query.redirect_uri, { code: granted.code, ...state });
    }
    if (req.method === 'POST' && d.paths.device && path === d.paths.device) {
      deviceRequests.push(body);
      if (body.client_id !== clientId) return json(res, 401, { error: 'unauthorized_client' });
      const record = devices.start({ device_code: randomBase64url(32), user_code: randomUserCode(), client_id: clientId, scopes: splitScopes(body.scope), scope: body.scope });
      audiences.set(`device:${record.device_code}`, body.audience);
      return json(res, 200, { device_code: record.device_code, user_code: record.user_code, verification_uri: `${origin}/activate`, verification_uri_complete: `${origin}/activate?user_code=${record.user_code}`, expires_in: 600, interval: 1 });
    }
    if (req.method === 'POST' && path === d.paths.token) {
      const creds = clientCredentials(req, body);
      if (creds.id !== clientId) return json(res, 401, { error: 'invalid_client' });
      if (body.grant_type === 'authorization_code') {
        const r = codes.redeem(body.code, clientId, body.redirect_uri, body.code_verifier, true);
        if (!r.ok) return json(res, 400, { error: 'invalid_grant', error_description: r.reason });
        return json(res, 200, await tokens({ scopes: r.code.scopes, audience: r.code.extra.audience, flow: 'code', nonce: r.code.extra.nonce }));
      }
      if (body.grant_type === 'refresh_token') {
        const r = store.checkRefresh(body.refresh_token ?? '', clientId);
        if (!r.ok) {
          // Rotation's reuse detection: a spent refresh token ends its whole family.
          if (r.reason === 'reused' && r.rec) store.revoke(r.rec, 'reuse');
          return json(res, 400, { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' });
        }
        if (d.rotates) r.rec.used = true;
        const out = await tokens({ scopes: r.rec.scopes, audience: audiences.get(r.rec.token), flow: r.rec.flow as 'code', refreshOf: r.rec });
        // Without rotation the same refresh token stays (Cognito answers without one).
        return json(res, 200, out);
      }
      if (body.grant_type === DEVICE_CODE_GRANT && d.paths.device) {
        const record = devices.get(body.device_code);
        if (!record || record.client_id !== clientId) return json(res, 400, { error: 'invalid_grant' });
        const poll = devices.poll(record, performance.now(), 'invalid_grant');
        if ('error' in poll) return json(res, 400, { error: poll.error });
        return json(res, 200, await tokens({ scopes: poll.record.scopes, audience: audiences.get(`device:${poll.record.device_code}`), flow: 'device' }));
      }
      return json(res, 400, { error: 'unsupported_grant_type' });
    }
    if ((req.method === 'GET' || req.method === 'POST') && path === d.paths.userinfo) {
      const token = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
      const rec = token ? store.validAccess(token) : undefined;
      if (!rec) return json(res, 401, { error: 'invalid_token' });
      return json(res, 200, { sub: user.sub, email: user.email, name: user.name, ...(user.preferred_username ? { preferred_username: user.preferred_username } : {}) });
    }
    if (req.method === 'POST' && path === d.paths.revoke) {
      const creds = clientCredentials(req, body);
      const answer = (status: number, out: unknown) => {
        revocations.push({ form: body, status });
        return out === undefined ? (res.writeHead(status, { 'content-length': 0 }), void res.end()) : json(res, status, out);
      };
      // A public client names itself with client_id (Cognito: "Required if the client is public").
      if (creds.id !== clientId) return answer(400, { error: 'invalid_client' });
      const refresh = store.find(body.token ?? '', 'refresh');
      if (refresh) {
        store.revoke(refresh, 'revocation');
        return answer(200, undefined);
      }
      const access = store.find(body.token ?? '', 'access');
      if (access && !d.revokes.includes('access')) {
        // Cognito: only refresh tokens (unsupported_token_type); Auth0: see the CHOICE above.
        return d === COGNITO ? answer(400, { error: 'unsupported_token_type' }) : answer(200, undefined);
      }
      return answer(200, undefined);
    }
    json(res, 404, { error: 'not_found' });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => json(res, 500, { error: 'server_error', error_description: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer: issuer(),
    clientId,
    user,
    authorizeRequests,
    deviceRequests,
    revocations,
    async browse(authorizeUrl) {
      const first = await fetch(authorizeUrl, { redirect: 'manual' });
      await first.arrayBuffer();
      const location = first.headers.get('location') ?? '';
      const page = await fetch(location);
      await page.arrayBuffer();
      return { location, status: page.status };
    },
    approveDevice(userCode) {
      devices.approve(user.sub, userCode);
    },
    accessTokenWorks: (token) => store.validAccess(token) !== undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
