// Issue 21 items 2-4 in process, through the test world: a refresh that finds its account signed
// out meanwhile, Ctrl-C while a refresh is answered, a store that cannot take the new tokens
// (before and after they are asked for), GitHub's 404 for a token that still works, and `switch`
// to an account another process removed.
import { afterEach, describe, expect, it } from 'vitest';
import { reportError } from '../../src/cli/errors.js';
import { run as logout } from '../../src/cli/commands/logout.js';
import { run as revoke } from '../../src/cli/commands/revoke.js';
import { run as switchAccount } from '../../src/cli/commands/switch.js';
import { AppError } from '../../src/errors.js';
import { openSession } from '../../src/session/open-session.js';
import type { AccountMeta } from '../../src/store/accounts.js';
import { withAccountLock } from '../../src/store/lock.js';
import type { SecretStore } from '../../src/store/secrets.js';
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
const expiring: TokenSet = { accessToken: 'ghu_old', refreshToken: 'ghr_old', expiresAt: new Date(Date.now() + 60_000).toISOString(), tokenType: 'bearer', scopes: ['repo'] };
const rotated: FakeAnswer = { body: { access_token: 'ghu_new', refresh_token: 'ghr_new', expires_in: 28800, refresh_token_expires_in: 15897600, token_type: 'bearer', scope: 'repo' } };
const SECRET = { OAUTHCLI_GITHUB_CLIENT_ID: 'cid', OAUTHCLI_GITHUB_CLIENT_SECRET: 'csecret' };

function make(options: Parameters<typeof testWorld>[0] = {}): TestWorld {
  const w = testWorld({ env: { ...SECRET, ...options.env }, ...options });
  worlds.push(w);
  return w;
}

async function signedIn(w: TestWorld, tokens: TokenSet = expiring, extra: Partial<AccountMeta> = {}): Promise<AccountMeta> {
  const account = meta(extra);
  await w.world.secrets('keychain').set(account.key, tokens);
  await w.world.accounts.saveActive(account);
  return w.world.accounts.get(account.key)!;
}

const isGrant = (url: URL) => url.pathname === '/login/oauth/access_token';
const isRevocation = (url: URL, method?: string) => method === 'DELETE' && url.pathname.endsWith('/applications/cid/token');

function printed(error: unknown, redact = (t: string) => t): string {
  let text = '';
  reportError(error, { stderr: { write: (t: string) => ((text += t), true) } as never, debug: false, redact });
  return text;
}

describe('a refresh whose account was signed out meanwhile', () => {
  it('revokes the tokens it got and stores nothing (a process that did not wait for the lock removed the account)', async () => {
    let answer!: () => void;
    const answered = new Promise<void>((r) => (answer = r));
    const http = fakeHttpClient(async (req) => {
      if (isGrant(req.url)) {
        await answered;
        return rotated;
      }
      if (isRevocation(req.url, req.method)) return { status: 204 };
      return { status: 500 };
    });
    const w = make({ http });
    const account = await signedIn(w);
    const refreshing = openSession(w.world, account).catch((e: unknown) => e);
    await until(() => http.requests.some((r) => isGrant(r.url)), 'the refresh grant', 5_000);
    // Another process (an older oauthcli, say) signs out without the lock.
    const other = make({ http: noRequestsHttpClient(), configDir: w.configDir, keyring: w.keyring });
    await other.world.secrets('keychain').delete(KEY);
    await other.world.accounts.remove(KEY);
    answer();
    const error = await refreshing;
    expect(error).toMatchObject({ kind: 'not-signed-in', code: 'signed_out' });
    expect(printed(error)).toMatch(/^oauthcli: octocat on ghe\.example\.com was signed out while its token was being refreshed; the new token was revoked\. To sign in again, run: oauthcli login github --hostname ghe\.example\.com\n$/);
    const revocation = http.requests.find((r) => isRevocation(r.url, r.method))!;
    expect(revocation.json).toEqual({ access_token: 'ghu_new' });
    expect(await w.world.secrets('keychain').get(KEY)).toBeUndefined();
  });
});

describe('Ctrl-C while a refresh is answered', () => {
  it('does not abort the request once sent: the rotated set is saved, then the session stops as interrupted', async () => {
    const ctrlC = new AbortController();
    const http = fakeHttpClient(async (req) => {
      // The user presses Ctrl-C while the provider answers.
      ctrlC.abort();
      expect(req.signal).toBeUndefined();
      return rotated;
    });
    const w = make({ http, signal: ctrlC.signal });
    const account = await signedIn(w);
    await expect(openSession(w.world, account)).rejects.toMatchObject({ kind: 'interrupted' });
    expect(await w.world.secrets('keychain').get(KEY)).toMatchObject({ accessToken: 'ghu_new', refreshToken: 'ghr_new' });
  });

  it('runs the request and the save inside holdInterrupts, and asks nothing once interrupted before sending', async () => {
    const sections: string[] = [];
    const http = fakeHttpClient(() => {
      sections.push('request');
      return rotated;
    });
    const w = make({ http });
    const account = await signedIn(w);
    const deps = {
      ...w.world,
      async holdInterrupts<T>(run: () => Promise<T>): Promise<T> {
        sections.push('hold');
        const result = await run();
        sections.push(`saved ${(await w.world.secrets('keychain').get(KEY))?.accessToken}`);
        return result;
      },
    };
    await openSession(deps, account);
    expect(sections).toEqual(['hold', 'request', 'saved ghu_new']);

    const early = make({ http: noRequestsHttpClient(), signal: AbortSignal.abort() });
    await expect(openSession(early.world, await signedIn(early))).rejects.toMatchObject({ kind: 'interrupted' });
  });
});

describe('a store that cannot take the new tokens', () => {
  const enospc = () => Object.assign(new Error("ENOSPC: no space left on device, open '/cfg/insecure-tokens.json.1.2.tmp'"), { code: 'ENOSPC' });

  /** The world's keychain, with writes (and the room check) failing as a full disk does. */
  function fullStore(w: TestWorld, failures: { room?: boolean; writes: number }) {
    const real = w.world.secrets('keychain');
    let writes = 0;
    const store: SecretStore & { writes(): number } = {
      kind: 'keychain',
      get: (a) => real.get(a),
      delete: (a) => real.delete(a),
      check: () => real.check(),
      async checkRoom() {
        if (failures.room) throw enospc();
      },
      async set(a, t) {
        writes += 1;
        if (writes <= failures.writes) throw enospc();
        await real.set(a, t);
      },
      writes: () => writes,
    };
    return store;
  }

  it('no room before the refresh: nothing is sent, one line naming the full disk (exit 1)', async () => {
    const http = noRequestsHttpClient();
    const w = make({ http });
    const account = await signedIn(w);
    const store = fullStore(w, { room: true, writes: 0 });
    const error = await openSession({ ...w.world, secrets: () => store }, account).catch((e: unknown) => e);
    expect(http.requests).toEqual([]);
    expect(error).toMatchObject({ kind: 'failure', code: 'save_failed' });
    expect(printed(error)).toMatch(/^oauthcli: cannot refresh the token for octocat on ghe\.example\.com: a new one could not be saved \(no space left on the device\)\. Nothing was sent[^\n]*\n$/);
  });

  it('a failed save is tried once more, and succeeds', async () => {
    const w = make({ http: fakeHttpClient(() => rotated) });
    const account = await signedIn(w);
    const store = fullStore(w, { writes: 1 });
    const session = await openSession({ ...w.world, secrets: () => store }, account);
    expect(session.tokens.accessToken).toBe('ghu_new');
    expect(store.writes()).toBe(2);
    expect(await w.world.secrets('keychain').get(KEY)).toMatchObject({ refreshToken: 'ghr_new' });
  });

  it('two failed saves: one line saying to sign in again, the account marked, never "unexpected error", no token printed', async () => {
    const w = make({ http: fakeHttpClient(() => rotated) });
    const account = await signedIn(w);
    const store = fullStore(w, { writes: 2 });
    const error = await openSession({ ...w.world, secrets: () => store }, account).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    const text = printed(error, w.world.redact);
    expect(text).toMatch(/^oauthcli: could not save the refreshed token for octocat on ghe\.example\.com \(no space left on the device\); the old one is spent, so the sign-in must be renewed: run oauthcli login github --hostname ghe\.example\.com\n$/);
    expect(text).not.toMatch(/ghu_new|ghr_new/);
    expect(w.world.accounts.get(KEY)?.needsLogin).toBe(true);
  });

  it('a raw full-disk error anywhere is one line, never "unexpected error"', () => {
    expect(printed(Object.assign(new Error('EDQUOT: disk quota exceeded'), { code: 'EDQUOT', path: '/cfg/config.json' }))).toBe('oauthcli: cannot write /cfg/config.json: the disk quota is exceeded\n');
  });
});

describe("GitHub's 404 for a token it did not issue to this app", () => {
  /** DELETE answers `deleteStatus`; GET /user answers 200 while `live`, else 401. */
  function github(deleteStatus: number, live: boolean) {
    return fakeHttpClient((req) => {
      if (isRevocation(req.url, req.method)) return { status: deleteStatus, body: deleteStatus === 404 ? { message: 'Not Found' } : undefined };
      if (req.url.pathname === '/api/v3/user') return live ? { body: { login: 'octocat', id: 1 } } : { status: 401, body: { message: 'Bad credentials' } };
      return { status: 500 };
    });
  }
  const pat: TokenSet = { accessToken: 'ghp_personal', tokenType: 'bearer', scopes: [] };

  it('revoke: still works after the 404, so exit 1 with where to revoke it by hand; the account stays', async () => {
    const w = make({ http: github(404, true) });
    await signedIn(w, pat);
    const error = await revoke(w.world, 'github', {}).catch((e: unknown) => e);
    expect(printed(error, w.world.redact)).toMatch(
      /^oauthcli: could not revoke the token at ghe\.example\.com: the token still works at GitHub after the revocation request .*Revoke it by hand at https:\/\/ghe\.example\.com\/settings\/connections\/applications\/cid\. The account is still stored here; use oauthcli logout to forget it anyway\.\n$/,
    );
    expect(await w.world.secrets('keychain').get(KEY)).toMatchObject({ accessToken: 'ghp_personal' });
  });

  it('revoke: a 404 for a token that no longer works is revoked (exit 0)', async () => {
    const w = make({ http: github(404, false) });
    await signedIn(w, pat);
    expect(await revoke(w.world, 'github', {})).toBe(0);
    expect(w.stderr()).toMatch(/✓ Revoked the token at GitHub/);
    expect(await w.world.secrets('keychain').get(KEY)).toBeUndefined();
  });

  it('logout: forgets it, says it still works and where to revoke it, exit 1', async () => {
    const w = make({ http: github(404, true) });
    await signedIn(w, pat);
    expect(await logout(w.world, 'github', {})).toBe(1);
    expect(w.stderr()).toMatch(/! The token still works at GitHub: it was not revoked \(it may not have been issued by this OAuth app\): revoke it at https:\/\/ghe\.example\.com\/settings\/connections\/applications\/cid/);
    expect(w.stderr()).not.toMatch(/✓ The token was revoked/);
    expect(await w.world.secrets('keychain').get(KEY)).toBeUndefined();
  });

  it('logout: a 204 and a token GET /user refuses is revoked (exit 0)', async () => {
    const w = make({ http: github(204, false) });
    await signedIn(w, pat);
    expect(await logout(w.world, 'github', {})).toBe(0);
    expect(w.stderr()).toMatch(/✓ The token was revoked at GitHub\./);
  });
});

describe('switch', () => {
  it('never makes active an account another process removed after this one listed it', async () => {
    const w = make({ http: noRequestsHttpClient() });
    await signedIn(w, { accessToken: 'gho_a', tokenType: 'bearer', scopes: [] }, { key: `github:${HOST}:hubot`, login: 'hubot' });
    await signedIn(w);
    const other = make({ configDir: w.configDir, keyring: w.keyring });
    await other.world.accounts.remove(`github:${HOST}:hubot`);
    // This process's snapshot still lists hubot.
    expect(w.world.accounts.get(`github:${HOST}:hubot`)).toBeDefined();
    await expect(switchAccount(w.world, 'github', { hostname: HOST, user: 'hubot' })).rejects.toMatchObject({ kind: 'not-signed-in' });
    w.world.accounts.reload();
    expect(w.world.accounts.list().map((a) => a.login)).toEqual(['octocat']);
    expect(w.world.accounts.isActive(w.world.accounts.get(KEY)!)).toBe(true);
  });
});

describe('a refresh that waited for a logout', () => {
  it('says the account was signed out meanwhile, not that the keychain lost it', async () => {
    let reads = 0;
    class CountingKeyring extends MemoryKeyring {
      override async read(account: string) {
        reads += 1;
        return super.read(account);
      }
    }
    const w = make({ http: noRequestsHttpClient(), keyring: new CountingKeyring() });
    const account = await signedIn(w);
    reads = 0;
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    // A logout in another process holds the account's lock; this session reads the tokens, then waits for it.
    const logout = withAccountLock(w.configDir, KEY, async () => {
      locked();
      await new Promise<void>((r) => (release = r));
      await w.world.secrets('keychain').delete(KEY);
      const other = make({ configDir: w.configDir, keyring: w.keyring });
      await other.world.accounts.remove(KEY);
    });
    await isLocked;
    const refreshing = openSession(w.world, account, { forceRefresh: true }).catch((e: unknown) => e);
    await until(() => reads >= 1, 'the session reading the stored tokens', 5_000);
    release();
    await logout;
    const error = await refreshing;
    expect(printed(error)).toBe('oauthcli: octocat on ghe.example.com was signed out meanwhile. Run: oauthcli login github --hostname ghe.example.com\n');
  });
});
