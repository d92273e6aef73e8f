// Start-up: `--version` and `--help` must not load undici, ora, conf, chalk or the keyring
// binding. The built CLI runs with a module hook that records every module it resolves; each
// bundle chunk it loaded is mapped back, through its source map, to the packages inside it.
// (`help` runs commander even into a pipe, so the commander path is checked too.)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_BIN, REPO_ROOT, sanitizeEnv } from '../support/cli.js';

const HEAVY = ['undici', 'ora', 'conf', 'chalk', '@napi-rs/keyring'];
const dir = mkdtempSync(join(tmpdir(), 'oauthcli-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hook = join(dir, 'record-modules.mjs');
writeFileSync(
  hook,
  `import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const seen = new Set();
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    seen.add(result.url);
    return result;
  },
});
process.on('exit', () => writeFileSync(process.env.RECORD_MODULES_TO, JSON.stringify([...seen])));
`,
);

/** The modules a run of the built CLI loaded: dist files, and anything outside the bundle. */
function modulesLoadedBy(args: string[]): { distFiles: string[]; others: string[]; stdout: string } {
  const out = join(dir, `${args.join('_').replace(/\W/g, '')}.json`);
  const res = spawnSync(process.execPath, ['--import', hook, CLI_BIN, ...args], {
    env: { ...sanitizeEnv(), RECORD_MODULES_TO: out } as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(res.status, res.stderr).toBe(0);
  const urls = JSON.parse(readFileSync(out, 'utf8')) as string[];
  const files = urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
  const dist = join(REPO_ROOT, 'dist');
  return {
    distFiles: files.filter((f) => f.startsWith(dist)),
    others: urls.filter((u) => !u.startsWith('node:') && !(u.startsWith('file:') && fileURLToPath(u).startsWith(dist))),
    stdout: res.stdout,
  };
}

/** The npm packages bundled into the given chunks, from their source maps. */
function packagesIn(chunks: string[]): Set<string> {
  const packages = new Set<string>();
  for (const chunk of chunks) {
    const map = `${chunk}.map`;
    expect(existsSync(map), `${map} is missing: the start-up test reads the bundle's source maps`).toBe(true);
    const { sources } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] };
    for (const source of sources) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source);
      if (m) packages.add(m[1]!);
    }
  }
  return packages;
}

describe('start-up', () => {
  it.each([['--version'], ['-V'], ['--help'], ['help']])('`oauthcli %s` loads none of undici, ora, conf, chalk, the keyring', (arg) => {
    const { distFiles, others, stdout } = modulesLoadedBy([arg]);
    expect(stdout.length).toBeGreaterThan(0);
    expect(distFiles.length).toBeGreaterThan(0); // the hook did see the bundle
    const bundled = packagesIn(distFiles);
    for (const name of HEAVY) {
      expect(bundled.has(name), `${name} is in a chunk loaded by ${arg}`).toBe(false);
      expect(others.filter((u) => u.includes(`/node_modules/${name}/`)), `${name} was loaded by ${arg}`).toEqual([]);
    }
  });

  it('`--version`, and `--help` into a pipe, are answered by the entry chunk alone', () => {
    const version = modulesLoadedBy(['--version']);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(version.distFiles.map((f) => f.slice(REPO_ROOT.length + 1))).toEqual(['dist/cli.js']);
    const help = modulesLoadedBy(['--help']);
    expect(help.distFiles.map((f) => f.slice(REPO_ROOT.length + 1))).toEqual(['dist/cli.js']);
  });

  it('the pre-rendered `--help` is exactly what commander prints', () => {
    const fast = modulesLoadedBy(['--help']).stdout;
    const short = modulesLoadedBy(['-h']).stdout;
    const commander = modulesLoadedBy(['help']).stdout; // `help` always goes through commander
    expect(fast).toBe(commander);
    expect(short).toBe(commander);
    for (const c of ['login', 'whoami', 'repos', 'status', 'logout', 'token', 'refresh', 'revoke']) expect(fast).toContain(c);
  });

  it('the hook sees heavy modules when a command does load them', () => {
    // A control: `status --json` runs commander's program, so the method above can see a package it loads.
    const home = join(dir, 'home');
    const res = spawnSync(process.execPath, ['--import', hook, CLI_BIN, 'status', '--json'], {
      env: { ...sanitizeEnv(), HOME: home, OAUTHCLI_CONFIG_DIR: join(home, 'cfg'), RECORD_MODULES_TO: join(dir, 'status.json') } as NodeJS.ProcessEnv,
      encoding: 'utf8',
      timeout: 20_000,
    });
    // Nobody is signed in in this HOME: `status` exits 1, as gh auth status does.
    expect(res.status, res.stderr).toBe(1);
    expect(res.stdout).toBe('[]\n');
    const urls = JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8')) as string[];
    const dist = join(REPO_ROOT, 'dist');
    const chunks = urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u)).filter((f) => f.startsWith(dist));
    expect(packagesIn(chunks).has('commander')).toBe(true);
  });
});
