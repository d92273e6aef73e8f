import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/http/client.js';
import { validateIdToken } from '../../src/oauth/id-token.js';

const ISSUER = 'https://issuer.example';
const http = createHttpClient({ maxTries: 1 });
let key: CryptoKey;
let otherKey: CryptoKey;
let jwk: JWK;

beforeAll(async () => {
  nock.disableNetConnect();
  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  otherKey = (await generateKeyPair('RS256')).privateKey;
});
afterEach(() => nock.cleanAll());

const serveJwks = () => nock(ISSUER).get('/jwks').reply(200, { keys: [jwk] });

function sign(claims: Record<string, unknown>, options: { key?: CryptoKey; expSeconds?: number } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ nonce: 'n-1', email: 'a@example.com', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer((claims.iss as string) ?? ISSUER)
    .setAudience((claims.aud as string | string[]) ?? 'client-1')
    .setSubject('user-1')
    .setIssuedAt(now - 10)
    .setExpirationTime(now + (options.expSeconds ?? 300))
    .sign(options.key ?? key);
}

const check = (idToken: string, over: Partial<Parameters<typeof validateIdToken>[1]> = {}) =>
  validateIdToken(http, { idToken, issuer: ISSUER, clientId: 'client-1', jwksUri: `${ISSUER}/jwks`, nonce: 'n-1', ...over });

describe('ID token validation', () => {
  it('accepts a well-formed token and returns its claims', async () => {
    serveJwks();
    const claims = await check(await sign({}));
    expect(claims).toMatchObject({ sub: 'user-1', email: 'a@example.com', iss: ISSUER, aud: 'client-1' });
  });

  it.each([
    ['another audience', async () => sign({ aud: 'someone-else' }), /another client \(aud\)/],
    ['another issuer', async () => sign({ iss: 'https://evil.example' }), /another issuer \(iss\)/],
    ['a forged signature', async () => sign({}, { key: otherKey }), /signature does not verify/],
    ['an expired token', async () => sign({}, { expSeconds: -3600 }), /expired/],
    ['a nonce from another sign-in', async () => sign({ nonce: 'other' }), /nonce/],
  ])('rejects %s', async (_what, make, message) => {
    serveJwks();
    await expect(check(await make())).rejects.toMatchObject({ code: 'invalid_id_token', message: expect.stringMatching(message) });
  });

  // OIDC Core §3.1.3.7 (3): rejected if it "contains additional audiences not trusted by the
  // Client" — even when azp names us (oauth4webapi and openid-client refuse it too).
  it('rejects a token that is also meant for another audience, even with azp set to us', async () => {
    serveJwks();
    await expect(check(await sign({ aud: ['client-1', 'other-api'], azp: 'client-1' }))).rejects.toMatchObject({ code: 'invalid_id_token', message: expect.stringMatching(/also meant for another audience/) });
  });

  it('accepts our client alone in an audience list; rejects an azp that is not us', async () => {
    serveJwks();
    await expect(check(await sign({ aud: ['client-1'], azp: 'client-1' }))).resolves.toMatchObject({ sub: 'user-1' });
    serveJwks();
    await expect(check(await sign({ azp: 'someone-else' }))).rejects.toMatchObject({ message: expect.stringMatching(/another party \(azp\)/) });
  });

  it('rejects an unsigned token (alg none)', async () => {
    serveJwks();
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ iss: ISSUER, aud: 'client-1', sub: 'x', exp: 9e9, iat: 1 })).toString('base64url');
    await expect(check(`${header}.${body}.`)).rejects.toMatchObject({ code: 'invalid_id_token' });
  });

  it('accepts any of several issuer spellings (Google)', async () => {
    serveJwks();
    await expect(check(await sign({ iss: 'accounts.google.com' }), { issuer: [ISSUER, 'accounts.google.com'] })).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('a key set that cannot be read is one clear failure', async () => {
    nock(ISSUER).get('/jwks').reply(503, '<html>down</html>');
    await expect(check(await sign({}))).rejects.toMatchObject({ kind: 'failure' });
  });
});

// OIDC Core §12.2: a refreshed ID token repeats the iss, sub and aud of the one it replaces; no nonce is needed.
describe('a refreshed ID token (previous)', () => {
  const previous = { iss: ISSUER, sub: 'user-1', aud: 'client-1' };

  it('accepts one about the same user from the same issuer, without a nonce', async () => {
    serveJwks();
    const token = await sign({ nonce: undefined });
    await expect(check(token, { nonce: undefined, previous })).resolves.toMatchObject({ sub: 'user-1' });
  });

  it.each([
    ['another user', { ...previous, sub: 'user-2' }, /another user/],
    ['another audience', { ...previous, aud: ['client-1', 'client-2'] }, /audience differs/],
    ['another issuer', { ...previous, iss: 'https://other.example' }, /another issuer/],
  ])('refuses one whose sign-in was about %s', async (_what, before, message) => {
    serveJwks();
    await expect(check(await sign({}), { nonce: undefined, previous: before })).rejects.toMatchObject({ code: 'invalid_id_token', message: expect.stringMatching(message) });
  });

  it("takes Google's two spellings of its issuer as one", async () => {
    serveJwks();
    const token = await sign({ iss: 'accounts.example' });
    await expect(check(token, { issuer: [ISSUER, 'accounts.example'], nonce: undefined, previous })).resolves.toMatchObject({ iss: 'accounts.example' });
  });
});

describe('a templated issuer (issuerFromClaims) and key issuers (keyAccepts)', () => {
  it('checks iss against the issuer worked out from the claims, and the signing key against the token', async () => {
    serveJwks();
    const token = await sign({ iss: `${ISSUER}/t1`, tid: 't1' });
    const fromClaims = (claims: { tid?: unknown }) => (typeof claims.tid === 'string' ? `${ISSUER}/${claims.tid}` : undefined);
    await expect(check(token, { issuerFromClaims: fromClaims })).resolves.toMatchObject({ tid: 't1' });
    serveJwks();
    await expect(check(await sign({ iss: `${ISSUER}/t2`, tid: 't1' }), { issuerFromClaims: fromClaims })).rejects.toMatchObject({ message: expect.stringMatching(/another issuer \(iss\)/) });
    serveJwks();
    await expect(check(token, { issuerFromClaims: fromClaims, keyAccepts: () => false })).rejects.toMatchObject({ message: expect.stringMatching(/key that does not sign for its issuer/) });
  });
});
