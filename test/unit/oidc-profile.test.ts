// Who signed in, for any OpenID Connect issuer (src/providers/oidc.ts fetchProfile): the
// validated ID token first, userinfo as extra. A fresh token that userinfo refuses (one asked for
// another API's audience) does not fail the sign-in; later, the kept ID token's claims fill in
// what userinfo does not say, and a refusal still means the sign-in is dead.
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { customProvider } from '../../src/providers/oidc.js';
import type { Endpoints } from '../../src/providers/types.js';
import { fakeHttpClient, type FakeAnswer } from '../support/fake-http-client.js';

const ISSUER = 'https://id.example';
const CLIENT = 'cli';
const provider = customProvider('corp', { issuer: ISSUER, clientId: CLIENT });
const endpoints: Endpoints = {
  host: 'id.example',
  issuer: ISSUER,
  authorize: `${ISSUER}/authorize`,
  token: `${ISSUER}/token`,
  userinfo: `${ISSUER}/userinfo`,
  jwksUri: `${ISSUER}/jwks`,
  api: ISSUER,
  apiOrigins: [ISSUER],
  clientAuthMethod: 'client_secret_basic',
};

let jwks: { keys: JWK[] };
let idToken: string;
beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }] };
  idToken = await new SignJWT({ preferred_username: 'ada', name: 'Ada Lovelace', email: 'ada@example.com', nonce: 'n1' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(ISSUER)
    .setAudience(CLIENT)
    .setSubject('sub-1')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
});

const answering = (userinfo: FakeAnswer) =>
  fakeHttpClient((req) => (req.url.pathname === '/jwks' ? { body: jwks } : req.url.pathname === '/userinfo' ? userinfo : { status: 404 }));
const tokens = { accessToken: 'at', tokenType: 'bearer', scopes: [] };

describe('fetchProfile', () => {
  it('at sign-in, a token userinfo refuses (401: another audience) still signs in, from the validated ID token', async () => {
    const http = answering({ status: 401, body: { error: 'invalid_token' } });
    const profile = await provider.fetchProfile(http, { endpoints, tokens, clientId: CLIENT, idToken, nonce: 'n1' });
    expect(profile).toMatchObject({ login: 'ada', id: 'sub-1', name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(http.requests.map((r) => r.url.pathname)).toEqual(['/jwks', '/userinfo']);
  });

  it('later, the kept ID token fills in what userinfo leaves out, and userinfo\'s sub must be the ID token\'s', async () => {
    const profile = await provider.fetchProfile(answering({ body: { sub: 'sub-1', name: 'Ada L.' } }), { endpoints, tokens: { ...tokens, idToken }, clientId: CLIENT });
    expect(profile).toMatchObject({ login: 'ada', id: 'sub-1', name: 'Ada L.' });
    expect(profile.from).toBeUndefined();
    await expect(provider.fetchProfile(answering({ body: { sub: 'someone-else' } }), { endpoints, tokens: { ...tokens, idToken }, clientId: CLIENT })).rejects.toMatchObject({ code: 'invalid_id_token' });
  });

  it('later, a userinfo refusal is a dead sign-in even with a kept ID token (exit 4)', async () => {
    await expect(provider.fetchProfile(answering({ status: 401, body: {} }), { endpoints, tokens: { ...tokens, idToken }, clientId: CLIENT })).rejects.toMatchObject({ kind: 'not-signed-in' });
  });

  it('a sign-in whose ID token does not validate fails whatever userinfo says', async () => {
    await expect(provider.fetchProfile(answering({ body: { sub: 'sub-1' } }), { endpoints, tokens, clientId: 'another-client', idToken })).rejects.toMatchObject({ code: 'invalid_id_token' });
  });
});
