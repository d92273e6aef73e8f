import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI_BIN, REPO_ROOT, clearKeychain, filesContaining, keychainEntries, makeSandbox, runCli, sanitizeEnv, startCli } from '../support/cli.js';

const FAKE = fileURLToPath(new URL('./fixtures/fake-cli.mjs', import.meta.url));

function hasSecretService(): boolean {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) return false;
  try {
    execFileSync('secret-tool', ['search', '--all', 'service', 'oauthcli-selftest-probe'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

describe('cli helpers', () => {
  it('resolves the repo root and bin', () => {
    expect(existsSync(join(REPO_ROOT, 'package.json'))).toBe(true);
    expect(CLI_BIN).toBe(join(REPO_ROOT, 'bin', 'oauthcli.js'));
  });

  it('makeSandbox isolates HOME/config and strips credentials from env', () => {
    const before = { ...process.env };
    process.env.GH_TOKEN = 'leak';
    process.env.MY_TOKEN_X = 'leak';
    process.env.GITHUB_ACTIONS = 'true';
    process.env.BROWSER = 'firefox';
    process.env.CI = '1';
    process.env.NO_COLOR = '1';
    try {
      const sb = makeSandbox();
      try {
        expect(sb.env.HOME).toBe(sb.home);
        expect(sb.env.OAUTHCLI_CONFIG_DIR).toBe(sb.configDir);
        expect(sb.env.OAUTHCLI_GITHUB_CLIENT_ID).toBe('test-client-id');
        for (const k of ['GH_TOKEN', 'MY_TOKEN_X', 'GITHUB_ACTIONS', 'BROWSER', 'CI', 'NO_COLOR']) expect(sb.env[k]).toBeUndefined();
        expect(existsSync(sb.home) && existsSync(sb.configDir)).toBe(true);
        if (process.env.DBUS_SESSION_BUS_ADDRESS) expect(sb.env.DBUS_SESSION_BUS_ADDRESS).toBe(process.env.DBUS_SESSION_BUS_ADDRESS);
      } finally {
        sb.cleanup();
      }
      expect(existsSync(sb.root)).toBe(false);
      expect(sanitizeEnv({ PATH: '/bin', SOME_TOKEN: 'x' })).toEqual({ PATH: '/bin' });
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in before)) delete process.env[k];
      Object.assign(process.env, before);
    }
  });

  it('runCli passes input, env and collects output and exit code', async () => {
    const sb = makeSandbox();
    try {
      const r = await runCli(['echo'], { env: sb.env, input: 'hello', bin: FAKE });
      expect(r).toMatchObject({ code: 3, signal: null, stdout: 'got:hello\n', stderr: `home:${sb.home}\n`, timedOut: false });
      const noInput = await runCli(['echo'], { env: sb.env, bin: FAKE });
      expect(noInput.stdout).toBe('got:\n');
    } finally {
      sb.cleanup();
    }
  });

  it('runCli kills on timeout', async () => {
    const r = await runCli(['hang'], { bin: FAKE, timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
  });

  it('startCli supports waiting for output (ANSI stripped), writing and Ctrl-C', async () => {
    const cli = startCli(['interactive'], { bin: FAKE });
    const m = await cli.waitForStderr(/one-time code: ([A-Z]{4}-[A-Z]{4})/, 5000);
    expect(m[1]).toBe('ABCD-EFGH');
    cli.write('y\n');
    await cli.waitForStdout(/line:y/, 5000);
    cli.kill('SIGINT');
    const r = await cli.exited;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('cancelled');
    await expect(cli.waitForStderr(/never/, 1000)).rejects.toThrow(/exited/);
  });

  it('filesContaining finds a needle anywhere under a folder', () => {
    const sb = makeSandbox();
    try {
      mkdirSync(join(sb.home, 'a', 'b'), { recursive: true });
      writeFileSync(join(sb.home, 'a', 'b', 'x.json'), '{"token":"gho_SECRET"}');
      writeFileSync(join(sb.home, 'y.txt'), 'nothing');
      writeFileSync(join(sb.configDir, 'z.bin'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from('gho_SECRET')]));
      expect(filesContaining(sb.root, 'gho_SECRET').sort()).toEqual([join(sb.configDir, 'z.bin'), join(sb.home, 'a', 'b', 'x.json')].sort());
      expect(filesContaining(join(sb.root, 'missing'), 'x')).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it.skipIf(!hasSecretService())('keychainEntries reads what @napi-rs/keyring stored', async () => {
    const service = `oauthcli-selftest-${process.pid}`;
    const require = createRequire(import.meta.url);
    const { Entry } = require('@napi-rs/keyring') as typeof import('@napi-rs/keyring');
    try {
      new Entry(service, 'github.com:octocat').setPassword('{"access_token":"gho_abc"}\nsecond line');
      new Entry(service, 'github.com:hubot').setPassword('s2');
      const entries = await keychainEntries(service);
      expect(entries.map((e) => [e.account, e.secret]).sort()).toEqual([
        ['github.com:hubot', 's2'],
        ['github.com:octocat', '{"access_token":"gho_abc"}\nsecond line'],
      ]);
      expect(entries[0]!.attributes.service).toBe(service);
    } finally {
      await clearKeychain(service);
    }
    expect(await keychainEntries(service)).toEqual([]);
  });
});
