// src/session/ in process, through the test seam: which account, a fresh token without a
// request, refresh under the cross-process lock (deterministically: the first refresh is held
// while a second session starts), refusals, redaction, keychain faults, tokens from the env.
import { afterEach, describe, expect, it } from 'vitest';
import { reportError } from '../../src/cli/errors.js';
import { selectAccount } from '../../src/session/account-choice.js';
import { openSession } from '../../src/session/open-session.js';
import type { AccountMeta } from '../../src/store/accounts.js';
import { KeychainStore } from '../../src/store/secrets.js';
import type { TokenSet } from '../../src/token-set.js';
import { fakeHttpClient, noRequestsHttpClient, type FakeAnswer } from '../support/fake-http-client.js';
import { MemoryKeyring, testWorld, type TestWorld } from '../support/test-world.js';
import { until } from '../support/until.js';

const worlds: TestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
});

const HOST = 'ghe.example.com';
const KEY = `github:${HOST}:octocat`;
const meta = (extra: Partial<AccountMeta> = {}): AccountMeta => ({
  key: KEY,
  provider: 'github',
  host: HOST,
  login: 'octocat',
  id: '1',
  scopes: ['repo'],
  storage: 'keychain',
  signedInAt: '2026-12-01T00:00:00Z',
  ...extra,
});
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

async function signedIn(w: TestWorld, tokens: TokenSet, extra: Partial<AccountMeta> = {}): Promise<AccountMeta> {
  const account = meta(extra);
  await w.world.secrets('keychain').set(account.key, tokens);
  await w.world.accounts.saveActive(account);
  return w.world.accounts.get(account.key)!;
}

function make(options: Parameters<typeof testWorld>[0] = {}): TestWorld {
  const w = testWorld({ env: { OAUTHCLI_GITHUB_CLIENT_ID: 'cid', ...options.env }, ...options });
  worlds.push(w);
  return w;
}

const refreshAnswer = (n: number): FakeAnswer => ({
  body: { access_token: `ghu_new${n}`, refresh_token: `ghr_new${n}`, expires_in: 28800, refresh_token_expires_in: 15897600, token_type: 'bearer', scope: 'repo' },
});

describe('openSession', () => {
  it('hands out a fresh token with one keychain read and no request', async () => {
    const http = noRequestsHttpClient();
    const w = make({ http });
    const account = await signedIn(w, { accessToken: 'gho_fresh', tokenType: 'bearer', scopes: ['repo'] });
    const session = await openSession(w.world, account);
    expect(session.tokens.accessToken).toBe('gho_fresh');
    expect(http.requests).toEqual([]);
  });

  it('refreshes a token about to expire, saves the rotated set, and remembers every token for redaction', async () => {
    const http = fakeHttpClient(() => refreshAnswer(1));
    const w = make({ http });
    const account = await signedIn(w, { accessToken: 'ghu_old', refreshToken: 'ghr_old', expiresAt: inMinutes(2), tokenType: 'bearer', scopes: ['repo'] });
    const session = await openSession(w.world, account);
    expect(session.tokens).toMatchObject({ accessToken: 'ghu_new1', refreshToken: 'ghr_new1' });
    expect(http.requests).toHaveLength(1);
    expect(http.requests[0]!.form).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'ghr_old', client_id: 'cid' });
    expect(await w.world.secrets('keychain').get(KEY)).toMatchObject({ accessToken: 'ghu_new1', refreshToken: 'ghr_new1' });
    expect(w.world.redact('ghu_old ghr_old ghu_new1 ghr_new1')).toBe('[REDACTED] [REDACTED] [REDACTED] [REDACTED]');
  });

  it('two sessions at once refresh once: the second waits for the lock, re-reads, and takes the first one\'s tokens', async () => {
    const keyring = new MemoryKeyring();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let grants = 0;
    const http = fakeHttpClient(async () => {
      grants += 1;
      // The first refresh is held until the test lets it go: the second session runs meanwhile.
      if (grants === 1) await held;
      return refreshAnswer(grants);
    });
    const a = make({ http, keyring });
    const b = make({ http, keyring, configDir: a.configDir });
    const account = await signedIn(a, { accessToken: 'ghu_old', refreshToken: 'ghr_old', expiresAt: inMinutes(1), tokenType: 'bearer', scopes: ['repo'] });
    const first = openSession(a.world, account);
    await until(() => grants === 1, 'the first refresh grant', 5_000);
    const second = openSession(b.world, account);
    // Without the lock the second session would have sent its grant by now (the same refresh token, twice).
    await until(() => grants === 2, 'a second refresh grant', 1_000).catch(() => undefined);
    expect(grants).toBe(1);
    release();
    const [s1, s2] = await Promise.all([first, second]);
    expect(grants).toBe(1);
    expect(s1.tokens.accessToken).toBe('ghu_new1');
    expect(s2.tokens.accessToken).toBe('ghu_new1');
  });

  it('a refused refresh writes nothing, marks the account, and says login is needed (exit 4)', async () => {
    const http = fakeHttpClient(() => ({ body: { error: 'bad_refresh_token', error_description: 'The refresh token passed is incorrect or expired.' } }));
    const w = make({ http });
    const account = await signedIn(w, { accessToken: 'ghu_old', refreshToken: 'ghr_old', expiresAt: inMinutes(-1), tokenType: 'bearer', scopes: ['repo'] });
    await expect(openSession(w.world, account)).rejects.toMatchObject({ kind: 'not-signed-in', code: 'needs_login' });
    expect(w.world.accounts.get(KEY)?.needsLogin).toBe(true);
    expect(await w.world.secrets('keychain').get(KEY)).toMatchObject({ accessToken: 'ghu_old', refreshToken: 'ghr_old' });
  });

  it('a provider that echoes the refresh token in error_description never gets it printed', async () => {
    const http = fakeHttpClient((req) => ({ status: 400, body: { error: 'invalid_request', error_description: `unknown token ${String(req.form?.refresh_token)}` } }));
    const w = make({ http });
    const account = await signedIn(w, { accessToken: 'ghu_old', refreshToken: 'ghr_secret_refresh', expiresAt: inMinutes(-1), tokenType: 'bearer', scopes: ['repo'] });
    const error = await openSession(w.world, account).catch((e: unknown) => e);
    let printed = '';
    reportError(error, { stderr: { write: (t: string) => ((printed += t), true) } as never, debug: false, redact: w.world.redact });
    expect(printed).toMatch(/^oauthcli: .*unknown token \[REDACTED\]/);
    expect(printed).not.toContain('ghr_secret_refresh');
  });

  it('a keychain that cannot be reached is a keychain error (exit 1), never "not signed in"', async () => {
    const w = make({ http: noRequestsHttpClient() });
    const account = await signedIn(w, { accessToken: 'gho_x', tokenType: 'bearer', scopes: [] });
    const broken = new KeychainStore({ read: async () => Promise.reject(new Error('org.freedesktop.DBus.Error.ServiceUnknown')), write: async () => undefined, remove: async () => true });
    const deps = { ...w.world, secrets: () => broken };
    await expect(openSession(deps, account)).rejects.toMatchObject({ kind: 'failure', code: 'keychain_unavailable', message: expect.stringMatching(/OS keychain is not available/) });
  });

  it('a token missing from the keychain for a known account says so', async () => {
    const w = make({ http: noRequestsHttpClient() });
    await w.world.accounts.saveActive(meta());
    await expect(openSession(w.world, w.world.accounts.get(KEY)!)).rejects.toMatchObject({ kind: 'not-signed-in', message: expect.stringMatching(/OS keychain has no token for octocat on ghe\.example\.com/) });
  });
});

describe('tokens from the environment', () => {
  it('OAUTHCLI_GITHUB_TOKEN stands in for the stored account of the default host, needs no keychain, and is never refreshed', async () => {
    const http = noRequestsHttpClient();
    const w = make({ http, env: { OAUTHCLI_GITHUB_TOKEN: 'gho_from_env', OAUTHCLI_GITHUB_HOST: HOST } });
    await signedIn(w, { accessToken: 'gho_stored', tokenType: 'bearer', scopes: [] });
    const account = selectAccount(w.world, { provider: 'github' });
    expect(account).toMatchObject({ storage: 'env', host: HOST });
    const session = await openSession({ ...w.world, secrets: () => { throw new Error('no keychain here'); } }, account);
    expect(session.tokens.accessToken).toBe('gho_from_env');
    expect(w.world.redact('gho_from_env')).toBe('[REDACTED]');
    await expect(openSession(w.world, account, { forceRefresh: true })).rejects.toMatchObject({ code: 'no_refresh_token' });
    // --user names a stored account: the environment's token does not apply.
    expect(selectAccount(w.world, { provider: 'github', user: 'octocat' }).storage).toBe('keychain');
    // Another host never gets the environment's token.
    expect(() => selectAccount(w.world, { provider: 'github', hostname: 'github.com' })).toThrow(/not signed in to GitHub github\.com/);
  });
});

