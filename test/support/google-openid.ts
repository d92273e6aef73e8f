/**
 * The OpenID Connect half of the fake Google (google-server.ts holds the OAuth half): ID tokens
 * signed with a per-server RS256 key, the discovery document, the JWKS, userinfo and tokeninfo,
 * and Google's scope names. Shapes follow
 * https://developers.google.com/identity/openid-connect/openid-connect and
 * https://accounts.google.com/.well-known/openid-configuration.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import { DEVICE_CODE_GRANT } from '../../src/oauth/device-grant.ts';
import { randomBase64url, randomHex, type Params, type Replies } from './fake-http.ts';
import { bearerToken, type TokenStore } from './oauth-core.ts';

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

export type ForgeIdToken = 'wrong-aud' | 'bad-signature' | 'expired' | 'wrong-nonce' | 'wrong-iss';

/**
 * Google's scope normalisation: `email` / `profile` are granted as their URL forms.
 * CHOICE: the token response lists the URL forms + openid, URL scopes sorted, `openid` last.
 */
export function grantedScopes(requested: string[]): string[] {
  const out = new Set(requested.map((s) => (s === 'email' ? GOOGLE_EMAIL_SCOPE : s === 'profile' ? GOOGLE_PROFILE_SCOPE : s)));
  const list = [...out].filter((x) => x !== 'openid').sort();
  return out.has('openid') ? [...list, 'openid'] : list;
}

/** CHOICE: the redirect's `scope` lists short + URL forms + openid (as observed from Google). */
export function redirectScopeParam(requested: string[]): string {
  const short = requested.filter((s) => s === 'email' || s === 'profile');
  return [...new Set([...short, ...grantedScopes(requested).filter((s) => s !== 'openid'), ...(requested.includes('openid') ? ['openid'] : [])])].join(' ');
}

export interface GoogleOpenIdContext {
  replies: Replies;
  /** The issuer. */
  url(): string;
  options: { forgeIdToken?: ForgeIdToken | undefined; idTokenLifetime: number; atHash: boolean };
  findUser(who: string | undefined): FakeGoogleUser;
  store: TokenStore;
}

export interface GoogleOpenId {
  readonly jwks: { keys: JWK[] };
  /** An ID token for `user` at `clientId` (forged as `options.forgeIdToken` says). */
  idToken(user: FakeGoogleUser, clientId: string, scopes: string[], accessToken: string | undefined, nonce: string | undefined): Promise<string>;
  discovery(res: ServerResponse): void;
  userinfo(req: IncomingMessage, res: ServerResponse): void;
  tokeninfo(res: ServerResponse, params: Params): void;
}

export async function createGoogleOpenId(ctx: GoogleOpenIdContext): Promise<GoogleOpenId> {
  const { sendJson } = ctx.replies;
  const kid = randomHex(20);
  const signing = await generateKeyPair('RS256', { extractable: true });
  const rogue = await generateKeyPair('RS256');
  const publicJwk: JWK = { ...(await exportJWK(signing.publicKey)), kid, alg: 'RS256', use: 'sig' };
  const picture = (user: FakeGoogleUser): string => user.picture ?? `${ctx.url()}/a/${user.sub}=s96-c`;
  const defined = <T extends Record<string, unknown>>(o: T): T => {
    for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
    return o;
  };

  return {
    jwks: { keys: [publicJwk] },

    // https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload
    async idToken(user, clientId, scopes, accessToken, nonce) {
      const { options } = ctx;
      const forge = options.forgeIdToken;
      const now = Math.floor(Date.now() / 1000);
      const iat = forge === 'expired' ? now - 2 * options.idTokenLifetime : now;
      const claims = defined({
        iss: forge === 'wrong-iss' ? 'https://accounts.example.invalid' : ctx.url(),
        azp: clientId,
        aud: forge === 'wrong-aud' ? '999999999999-someoneelse.apps.googleusercontent.com' : clientId,
        sub: user.sub,
        ...(scopes.includes(GOOGLE_EMAIL_SCOPE) ? { email: user.email, email_verified: user.email_verified ?? true } : {}),
        hd: user.hd,
        at_hash: accessToken && options.atHash ? createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url') : undefined,
        nonce: forge === 'wrong-nonce' ? 'forged-nonce-' + randomBase64url(6) : nonce,
        ...(scopes.includes(GOOGLE_PROFILE_SCOPE) ? { name: user.name, picture: picture(user), given_name: user.given_name, family_name: user.family_name } : {}),
        iat,
        exp: iat + options.idTokenLifetime,
      });
      const key = forge === 'bad-signature' ? rogue.privateKey : signing.privateKey;
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(key);
    },

    discovery(res) {
      const url = ctx.url();
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
        grant_types_supported: ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT, 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
      }, { 'cache-control': 'public, max-age=3600' });
    },

    // https://developers.google.com/identity/openid-connect/openid-connect#obtaininguserprofileinformation
    userinfo(req, res) {
      const token = bearerToken(req);
      const rec = ctx.store.validAccess(token);
      if (!rec) {
        const www = token ? 'Bearer realm="https://accounts.google.com/", error="invalid_token"' : 'Bearer realm="https://accounts.google.com/"';
        return sendJson(res, 401, { error: 'invalid_request', error_description: 'Invalid Credentials' }, { 'www-authenticate': www });
      }
      const user = ctx.findUser(rec.subject);
      sendJson(res, 200, defined({
        sub: user.sub,
        ...(rec.scopes.includes(GOOGLE_PROFILE_SCOPE) ? { name: user.name, given_name: user.given_name, family_name: user.family_name, picture: picture(user) } : {}),
        ...(rec.scopes.includes(GOOGLE_EMAIL_SCOPE) ? { email: user.email, email_verified: user.email_verified ?? true } : {}),
        hd: user.hd,
      }));
    },

    tokeninfo(res, params) {
      const rec = ctx.store.validAccess(params.access_token);
      if (!rec) return sendJson(res, 400, { error: 'invalid_token', error_description: 'Invalid Value' });
      const user = ctx.findUser(rec.subject);
      const exp = Math.floor((rec.expiresAt ?? Date.now()) / 1000);
      sendJson(res, 200, {
        azp: rec.clientId,
        aud: rec.clientId,
        sub: user.sub,
        scope: rec.scopes.join(' '),
        exp: String(exp),
        expires_in: String(Math.max(0, exp - Math.floor(Date.now() / 1000))),
        access_type: rec.refresh ? 'offline' : 'online',
        ...(rec.scopes.includes(GOOGLE_EMAIL_SCOPE) ? { email: user.email, email_verified: String(user.email_verified ?? true) } : {}),
      });
    },
  };
}
