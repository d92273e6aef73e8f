// The config and cache folders, run for real: a folder others may write, or another user's, is
// refused before anything else with one line naming it and what to do (exit 1), and left as it was.
import { chmodSync, chownSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, runCli, type Sandbox } from '../support/cli.js';

let sandbox: Sandbox;
beforeEach(() => {
  sandbox = makeSandbox();
});
afterEach(() => {
  chmodSync(sandbox.root, 0o700);
  sandbox.cleanup();
});

const lines = (text: string) => text.split('\n').filter(Boolean);

describe.skipIf(process.platform === 'win32')('a config folder that is not the user’s alone', () => {
  it('OAUTHCLI_CONFIG_DIR=a shared 0777 folder: refused, exit 1, one line; the folder keeps its mode', async () => {
    const shared = join(sandbox.root, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const res = await runCli(['status'], { env: { ...sandbox.env, OAUTHCLI_CONFIG_DIR: shared } });
    expect(res.code).toBe(1);
    expect(lines(res.stderr)).toEqual([`oauthcli: the config folder ${shared} may be written by other users (mode 0777): run chmod go-w '${shared}', or set OAUTHCLI_CONFIG_DIR to a folder of your own that only you can write`]);
    expect(statSync(shared).mode & 0o7777).toBe(0o777);
  });

  it.skipIf(process.getuid?.() !== 0)('a folder owned by another user: refused, exit 1, one line', async () => {
    const theirs = join(sandbox.root, 'theirs');
    mkdirSync(theirs, { mode: 0o700 });
    chownSync(theirs, 65534, 65534);
    const res = await runCli(['status'], { env: { ...sandbox.env, OAUTHCLI_CONFIG_DIR: theirs } });
    expect(res.code).toBe(1);
    expect(lines(res.stderr)).toHaveLength(1);
    expect(res.stderr).toMatch(/^oauthcli: the config folder .*theirs belongs to another user \(uid 65534/);
  });
});

describe.skipIf(process.platform === 'win32')('a cache folder others may write', () => {
  it('holds no compiled code of ours (V8 runs what it finds there); the user’s own folder does', async () => {
    const shared = join(sandbox.root, 'cache-shared');
    mkdirSync(join(shared, 'oauthcli'), { recursive: true });
    chmodSync(join(shared, 'oauthcli'), 0o777);
    const env = { ...sandbox.env, NODE_DISABLE_COMPILE_CACHE: undefined, NODE_COMPILE_CACHE: undefined };
    expect((await runCli(['--version'], { env: { ...env, XDG_CACHE_HOME: shared } })).code).toBe(0);
    expect(readdirSync(join(shared, 'oauthcli'))).toEqual([]);
    const own = join(sandbox.root, 'cache-own');
    expect((await runCli(['--version'], { env: { ...env, XDG_CACHE_HOME: own } })).code).toBe(0);
    expect(readdirSync(join(own, 'oauthcli'))).toEqual(['compile-cache']);
  });
});
