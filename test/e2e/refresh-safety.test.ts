// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// Issue 21 items 2-4, with spawned CLIs against the fake GitHub: a logout or revoke racing a
// refresh the server holds open, Ctrl-C and SIGTERM while a rotating refresh is answered, a full
// disk (a small tmpfs) before and after the refresh is sent, and revocations GitHub answers 404
// for a token that still works. Synchronisation is by events only (the server's hold, a line on
// stderr, a process's exit), never by timers.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filesContaining, keychainEntries } from '../support/cli.js';
import { accountKeyFor, setUp, type GitHubLab } from './harness.js';

let w: GitHubLab;
beforeEach(async () => {
  // Sign-in tokens expire in 2 s (so the next command refreshes); refreshed ones in an hour.
  w = await setUp({ tokenLifetime: 2 });
});
afterEach(async () => {
  await w.close();
});

const SECRET = { OAUTHCLI_GITHUB_CLIENT_SECRET: 'test-client-secret' };
// Generous limits for a loaded machine: they only bound a hung process, nothing waits on them.
const SLOW = { timeoutMs: 90_000 };
const WAIT_MS = 80_000;
const TEST_MS = 180_000;
const refreshGrants = () => w.server.grants.filter((g) => g.grant_type === 'refresh_token');

async function stored(key = accountKeyFor(w)) {
  const entry = (await keychainEntries()).find((e) => e.account === key);
  return entry ? (JSON.parse(entry.secret) as Record<string, unknown>) : undefined;
}

describe('logout and revoke racing a refresh', { timeout: TEST_MS }, () => {
  for (const command of ['logout', 'revoke'] as const) {
    it(`${command} while \`token\` waits for a rotated set: ${command} waits for the refresh, then revokes what it got; nothing is left`, async () => {
      await w.signIn();
      w.server.setOptions({ tokenLifetime: 3600 });
      const held = w.server.holdNextRefresh();
      const token = w.start(['token'], SLOW);
      const rotated = await held.rotated;
      const other = w.start([command], { env: SECRET, ...SLOW });
      // Let the answer go once the other command is done (it did not wait) or says it waits.
      await Promise.race([other.exited, other.waitForStderr(/Waiting for another oauthcli process/, WAIT_MS).catch(() => undefined)]);
      held.release();
      const [t, o] = await Promise.all([token.exited, other.exited]);
      expect(o.code, o.stderr).toBe(0);
      expect(o.stderr).toMatch(/[Rr]evoked/);
      // The refresh finished first and was saved: `token` printed the new token.
      expect(t.code, t.stderr).toBe(0);
      expect(t.stdout.trim()).toBe(rotated.access_token);
      // …and the other command revoked exactly that: nothing stored, nothing live.
      expect(await stored()).toBeUndefined();
      expect(w.config().accounts).toEqual({});
      expect(w.server.isTokenValid(rotated.access_token)).toBe(false);
      expect(w.server.validTokens('octocat')).toEqual([]);
      expect(refreshGrants()).toHaveLength(1);
    });
  }
});

describe('switch racing a refresh', { timeout: TEST_MS }, () => {
  it('switch to an account whose refresh is in flight waits for it, says so, then switches', async () => {
    await w.signIn('hubot');
    await w.signIn('octocat');
    await w.cli(['switch', 'github', '--user', 'hubot']);
    w.server.setOptions({ tokenLifetime: 3600 });
    const held = w.server.holdNextRefresh();
    const token = w.start(['token', '--user', 'octocat'], SLOW);
    await held.rotated;
    const sw = w.start(['switch', 'github', '--user', 'octocat'], SLOW);
    await Promise.race([sw.exited, sw.waitForStderr(/Waiting for another oauthcli process/, WAIT_MS).catch(() => undefined)]);
    held.release();
    const [t, s] = await Promise.all([token.exited, sw.exited]);
    expect(t.code, t.stderr).toBe(0);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stderr).toMatch(/Waiting for another oauthcli process that is refreshing the token of octocat…\n.*Switched the active GitHub account/);
    expect(w.config().active[`github:${w.host}`]).toBe(accountKeyFor(w, 'octocat'));
  });
});

describe('a refresh already sent is finished and saved first', { timeout: TEST_MS }, () => {
  it('Ctrl-C after GitHub rotated the refresh token: saved, then exit 130; the next `token` uses the rotated set', async () => {
    await w.signIn();
    w.server.setOptions({ tokenLifetime: 3600 });
    const held = w.server.holdNextRefresh();
    const token = w.start(['token'], SLOW);
    const rotated = await held.rotated;
    token.kill('SIGINT');
    await token.waitForStderr(/finishing the token refresh already sent/, WAIT_MS);
    held.release();
    const res = await token.exited;
    expect(res.code).toBe(130);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/oauthcli: interrupted/);
    expect((await stored())!.refreshToken).toBe(rotated.refresh_token);
    const next = await w.cli(['token']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout.trim()).toBe(rotated.access_token);
    expect(refreshGrants()).toHaveLength(1);
  });

  it('a second Ctrl-C quits at once (exit 130) without waiting for the answer', async () => {
    await w.signIn();
    w.server.setOptions({ tokenLifetime: 3600 });
    const held = w.server.holdNextRefresh();
    const token = w.start(['token'], SLOW);
    await held.rotated;
    token.kill('SIGINT');
    await token.waitForStderr(/Ctrl-C again to quit at once/, WAIT_MS);
    token.kill('SIGINT');
    const res = await token.exited;
    held.release();
    expect(res.code).toBe(130);
  });

  it('SIGTERM while the answer is on its way: saved first, then the process ends by SIGTERM', async () => {
    await w.signIn();
    w.server.setOptions({ tokenLifetime: 3600 });
    const held = w.server.holdNextRefresh();
    const token = w.start(['token'], SLOW);
    const rotated = await held.rotated;
    token.kill('SIGTERM');
    held.release();
    const res = await token.exited;
    expect(res.signal).toBe('SIGTERM');
    expect((await stored())!.refreshToken).toBe(rotated.refresh_token);
    const next = await w.cli(['token']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout.trim()).toBe(rotated.access_token);
  });
});

describe('GitHub answers 404 for a token this OAuth app did not issue', () => {
  beforeEach(() => w.server.setOptions({ tokenLifetime: undefined }));

  async function signInWithForeignToken(): Promise<string> {
    const pat = w.server.issueForeignToken('octocat');
    const res = await w.cli(['login', 'github', '--with-token', '--hostname', w.host], { input: `${pat}\n` });
    expect(res.code, res.stderr).toBe(0);
    return pat;
  }

  it('revoke: the token still works after the 404, so exit 1, the account stays, and the line says where to revoke it by hand', async () => {
    const pat = await signInWithForeignToken();
    const res = await w.cli(['revoke'], { env: SECRET });
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^oauthcli: could not revoke .*still works.*Revoke it by hand at .*\/settings\/connections\/applications\/test-client-id/);
    expect(res.stderr).not.toMatch(/✓/);
    expect(res.stderr).not.toContain(pat);
    expect(w.server.isTokenValid(pat)).toBe(true);
    expect((await stored())!.accessToken).toBe(pat);
  });

  it('logout: forgets it here, but says it still works and where to revoke it, exit 1', async () => {
    const pat = await signInWithForeignToken();
    const res = await w.cli(['logout'], { env: SECRET });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/! The token still works at GitHub.*\/settings\/connections\/applications\/test-client-id/);
    expect(res.stderr).not.toMatch(/✓ The token was revoked/);
    expect(w.server.isTokenValid(pat)).toBe(true);
    expect(await stored()).toBeUndefined();
  });

  for (const command of ['revoke', 'logout'] as const) {
    it(`${command}: the app's own token is revoked, and GET /user confirms it before "revoked" is said`, async () => {
      await w.signIn();
      const token = w.server.grants[0]!.access_token;
      const res = await w.cli([command], { env: SECRET });
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).toMatch(/[Rr]evoked/);
      const paths = w.server.requests.map((r) => `${r.method} ${r.path}`);
      const deleted = paths.lastIndexOf('DELETE /api/v3/applications/test-client-id/token');
      expect(deleted).toBeGreaterThan(-1);
      expect(paths.slice(deleted + 1)).toContain('GET /api/v3/user');
      expect(w.server.isTokenValid(token)).toBe(false);
    });
  }
});

describe('a full disk (a small tmpfs as the config folder, --insecure-storage)', { timeout: TEST_MS }, () => {
  let mountPoint: string | undefined;
  afterEach(() => {
    if (mountPoint) execFileSync('umount', [mountPoint]);
    mountPoint = undefined;
  });

  /** Mounts a 512 KiB tmpfs as the config folder; false (the test skips) where mounting is not allowed. */
  function mountTinyConfigDir(): boolean {
    const dir = join(w.sandbox.root, 'tiny');
    mkdirSync(dir);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k,mode=0700', 'tmpfs', dir], { stdio: 'ignore' });
    } catch {
      return false;
    }
    mountPoint = dir;
    w.env.OAUTHCLI_CONFIG_DIR = dir;
    return true;
  }

  /** Fills the tmpfs to the last byte; returns the filler's path (remove it to free the space). */
  function fill(): string {
    const filler = join(mountPoint!, 'filler');
    const chunk = Buffer.alloc(4096, 1);
    for (let i = 0; ; i++) {
      try {
        writeFileSync(filler, chunk, { flag: i === 0 ? 'w' : 'a' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw error;
      }
    }
    // The last partial page as well, byte by byte down to nothing.
    for (const size of [1024, 256, 64, 16, 1]) {
      try {
        for (;;) writeFileSync(filler, Buffer.alloc(size, 1), { flag: 'a' });
      } catch {
        // full at this size
      }
    }
    return filler;
  }

  const tempFiles = () => (mountPoint ? readdirSync(mountPoint).filter((n) => n.endsWith('.tmp')) : []);

  it('no room before the refresh: nothing is sent, one line (exit 1), and the stored sign-in works once there is room', async (ctx) => {
    if (!mountTinyConfigDir()) return ctx.skip('mounting a tmpfs is not permitted here');
    await w.signIn(undefined, ['--insecure-storage']);
    const filler = fill();
    const res = await w.cli(['token']);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^oauthcli: cannot refresh the token .*no space left on the device.*Nothing was sent/);
    expect(res.stderr).not.toMatch(/unexpected error/);
    expect(refreshGrants()).toHaveLength(0);
    expect(tempFiles()).toEqual([]);
    rmSync(filler);
    w.server.setOptions({ tokenLifetime: 3600 });
    const next = await w.cli(['token']);
    expect(next.code, next.stderr).toBe(0);
    expect(refreshGrants()).toHaveLength(1);
  });

  it('the disk fills while the answer is on its way: one line naming the full disk and `oauthcli login`, exit 1, no temp file with a secret', async (ctx) => {
    if (!mountTinyConfigDir()) return ctx.skip('mounting a tmpfs is not permitted here');
    await w.signIn(undefined, ['--insecure-storage']);
    w.server.setOptions({ tokenLifetime: 3600 });
    const held = w.server.holdNextRefresh();
    const token = w.start(['token'], SLOW);
    const rotated = await held.rotated;
    const filler = fill();
    held.release();
    const res = await token.exited;
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^oauthcli: could not save the refreshed token .*no space left on the device.*oauthcli login github --hostname 127\.0\.0\.1:\d+/);
    expect(res.stderr).not.toMatch(/unexpected error/);
    expect(tempFiles()).toEqual([]);
    expect(filesContaining(mountPoint!, rotated.refresh_token!)).toEqual([]);
    rmSync(filler);
    // The old refresh token is spent: the account needs a new sign-in, and says so.
    const next = await w.cli(['token']);
    expect(next.code).toBe(4);
    expect(next.stderr).toMatch(/oauthcli login github/);
  });

  it('a temp file a killed writer left beside the token file is removed by the next write', async (ctx) => {
    if (!mountTinyConfigDir()) return ctx.skip('mounting a tmpfs is not permitted here');
    await w.signIn(undefined, ['--insecure-storage']);
    const stale = join(mountPoint!, 'insecure-tokens.json.4242.1.tmp');
    writeFileSync(stale, '{"github:x:octocat":{"accessToken":"ghu_left_behind"}}', { mode: 0o600 });
    w.server.setOptions({ tokenLifetime: 3600 });
    const res = await w.cli(['token']);
    expect(res.code, res.stderr).toBe(0);
    expect(existsSync(stale)).toBe(false);
  });
});
