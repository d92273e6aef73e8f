// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// `login --git/--no-git` and the question after an interactive sign-in (issue 22, item 5), with
// the built CLI and Debian's git: the flags in plain pipes, the question in a real terminal
// (tmux, test/support/terminal.ts), and never a question when stdin is not a terminal.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_BIN, type Env } from '../support/cli.js';
import { startTerminal, type Terminal } from '../support/terminal.js';
import { setUp, type GitHubLab } from './harness.js';

let w: GitHubLab;
const terminals: Terminal[] = [];
beforeEach(async () => {
  w = await setUp();
  // git's global config: the sandbox's own file.
  w.env.GIT_CONFIG_GLOBAL = join(w.sandbox.root, 'gitconfig');
  w.env.GIT_CONFIG_NOSYSTEM = '1';
});
afterEach(async () => {
  await Promise.all(terminals.splice(0).map((t) => t.close()));
  await w.close();
});

const HELPER = `!${process.execPath} ${CLI_BIN} git-credential`;
/** The helper lines git has for the fake's host (a loopback host: http). */
function helpers(): string[] {
  const file = join(w.sandbox.root, 'gitconfig');
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const section = text.split(/^\[/m).find((s) => s.startsWith(`credential "http://${w.host}"]`));
  return section ? [...section.matchAll(/^\s*helper = ?(.*)$/gm)].map((m) => m[1]!.replace(/^"|"$/g, '')) : [];
}

const login = (extra: string[]) => w.cli(['login', 'github', '--device', '--no-browser', '--hostname', w.host, ...extra]);

describe('login and git, without a terminal', () => {
  it('--git configures git for the host, after an empty helper line', async () => {
    const res = await login(['--git']);
    expect(res.code, res.stderr).toBe(0);
    expect(helpers()).toEqual(['', HELPER]);
    expect(res.stderr).toContain(`git now asks oauthcli for the credentials of ${w.host}`);
  });

  it('--no-git leaves git alone', async () => {
    const res = await login(['--no-git']);
    expect(res.code, res.stderr).toBe(0);
    expect(helpers()).toEqual([]);
  });

  it('neither flag, stdin not a terminal: no question, git left alone', async () => {
    const res = await login([]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toContain('Configure git');
    expect(helpers()).toEqual([]);
  });
});

describe('login on a terminal', () => {
  async function terminal(): Promise<Terminal> {
    const env: Env = { ...w.env, TERM: 'xterm-256color', LANG: 'C.UTF-8', DISPLAY: undefined, WAYLAND_DISPLAY: undefined, SSH_CONNECTION: undefined, SSH_CLIENT: undefined, SSH_TTY: undefined };
    const t = await startTerminal([process.execPath, CLI_BIN, 'login', 'github', '--device', '--no-browser', '--hostname', w.host], { cols: 100, rows: 30, env });
    terminals.push(t);
    return t;
  }

  it('asks once after signing in; Enter configures git', async () => {
    const t = await terminal();
    await t.waitForScreen(`Configure git to use oauthcli for ${w.host}? (Y/n)`, 30_000);
    await t.sendKeys('Enter');
    expect(await t.waitForExit(30_000)).toBe(0);
    expect(helpers()).toEqual(['', HELPER]);
    expect((await t.screen({ scrollback: true })).match(/Configure git/g)).toHaveLength(1);
  });

  it('"n" leaves git alone and says how to set it up later', async () => {
    const t = await terminal();
    await t.waitForScreen('(Y/n)', 30_000);
    await t.type('n');
    await t.sendKeys('Enter');
    expect(await t.waitForExit(30_000)).toBe(0);
    expect(await t.screen({ scrollback: true })).toContain(`oauthcli setup-git --hostname ${w.host}`);
    expect(helpers()).toEqual([]);
  });
});
