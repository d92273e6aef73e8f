// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// The package as a user gets it: `npm pack`, then `npm install -g` of the tarball into a prefix
// of its own, then sign in with the installed binary against the local GitHub (device flow, the
// real keychain) and ask who that is. Also what ships: no sources, no maps, one native addon.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { setUp, type GitHubLab } from './harness.js';

let w: GitHubLab;
let dir: string;
let tarball: string;
let bin: string;

const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(async () => {
  w = await setUp();
  dir = mkdtempSync(join(tmpdir(), 'oauthcli-pack-'));
  // The suite built dist/ already; a clean build here would pull it from under the other tests.
  const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], REPO_ROOT)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(dir, packed[0]!.filename);
  (globalThis as Record<string, unknown>).packedFiles = packed[0]!.files.map((f) => f.path);
  npm(['install', '-g', '--prefix', join(dir, 'prefix'), '--prefer-offline', tarball], dir);
  bin = join(dir, 'prefix', 'bin', 'oauthcli');
}, 180_000);

afterAll(async () => {
  await w?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function duBytes(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + duBytes(join(path, name)), 0);
}

describe('the npm package', () => {
  it('ships the bundle, LICENSE and README: no sources, no source maps, no tests', () => {
    const files = (globalThis as Record<string, unknown>).packedFiles as string[];
    expect(files).toEqual(expect.arrayContaining(['bin/oauthcli.js', 'bin/docker-credential-oauthcli.js', 'dist/cli.js', 'dist/docker-credential.js', 'dist/help.txt', 'LICENSE', 'README.md', 'package.json']));
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.ts'))).toEqual([]);
  });

  it('installs with the keyring addon as its only dependency, in under 8 MiB', () => {
    const installed = join(dir, 'prefix', 'lib', 'node_modules', 'oauthcli');
    expect(readdirSync(join(installed, 'node_modules'))).toEqual(['@napi-rs']);
    expect(duBytes(installed)).toBeLessThan(8 * 1024 * 1024);
  });

  it('the installed binary signs in (device flow, keychain) and says who signed in', async () => {
    const version = await runCli(['--version'], { bin, env: w.env });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const login = await runCli(['login', 'github', '--device', '--no-browser', '--hostname', w.host], { bin, env: w.env });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toMatch(/Signed in to 127\.0\.0\.1:\d+ as octocat/);
    const who = await runCli(['whoami', '--json'], { bin, env: w.env });
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ provider: 'github', login: 'octocat', host: w.host });
  });

  it("installs docker's credential helper beside it, on the same bin folder docker searches", async () => {
    const helper = join(dir, 'prefix', 'bin', 'docker-credential-oauthcli');
    const version = await runCli(['version'], { bin: helper, env: w.env });
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^docker-credential-oauthcli \(oauthcli\) \d+\.\d+\.\d+\n$/) });
    const unknown = await runCli(['get'], { bin: helper, env: w.env, input: 'quay.io\n' });
    expect(unknown).toMatchObject({ code: 1, stdout: 'credentials not found in native keychain\n' });
  });
});
