import { describe, expect, it } from 'vitest';
import { codeChallengeS256, createCodeVerifier, createState } from '../../src/oauth/pkce.js';
import { buildAuthorizationUrl } from '../../src/oauth/authorization-code.js';

describe('PKCE and state', () => {
  it('matches the S256 test vector of RFC 7636 Appendix B', () => {
    expect(codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes verifiers of 43–128 unreserved characters', () => {
    for (let i = 0; i < 50; i++) {
      const v = createCodeVerifier();
      expect(v).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
    }
  });

  it('makes states of at least 128 random bits that never repeat', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const s = createState();
      expect(Buffer.from(s, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
      seen.add(s);
    }
    expect(seen.size).toBe(2000);
    // Roughly uniform characters: no base64url symbol is missing or hugely over-represented.
    const counts = new Map<string, number>();
    for (const s of seen) for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(64);
    const values = [...counts.values()];
    expect(Math.max(...values) / Math.min(...values)).toBeLessThan(2);
  });

  it('puts state, challenge and S256 in the authorization URL', () => {
    const url = new URL(
      buildAuthorizationUrl({
        authorizeEndpoint: 'https://github.com/login/oauth/authorize',
        clientId: 'cid',
        redirectUri: 'http://127.0.0.1:5555/callback',
        scopes: ['read:user', 'repo'],
        state: 'st',
        codeChallenge: 'ch',
      }),
    );
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: 'cid',
      redirect_uri: 'http://127.0.0.1:5555/callback',
      scope: 'read:user repo',
      state: 'st',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
    });
  });
});
