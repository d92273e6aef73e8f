// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// The progress line ("Fetched 100 of ~1,000 repositories…") never outlives the command, however
// it ends: Ctrl-C, an error from a later page, `| head` closing the pipe. Seen in a real terminal
// (tmux, test/support/terminal.ts), with stdout away from the screen so the screen holds stderr.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN } from '../support/cli.js';
import { startTerminal, type Terminal } from '../support/terminal.js';
import { setUp, type GitHubLab } from './harness.js';

const REPOS = '/api/v3/user/repos';
let w: GitHubLab;
const open: Terminal[] = [];
beforeAll(async () => {
  w = await setUp();
  await w.signIn();
  w.server.setRepos('octocat', 1000);
});
afterAll(async () => {
  await w.close();
});
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
  w.server.clearFaults();
  w.server.setOptions({ pageDelay: undefined });
});

/** `script` in bash in an 80×24 terminal; $OAUTHCLI runs the built CLI. */
async function shell(script: string): Promise<Terminal> {
  const t = await startTerminal(['bash', '-c', script], {
    env: { ...w.env, TERM: 'xterm-256color', LANG: 'C.UTF-8', OAUTHCLI: `${process.execPath} ${CLI_BIN}`, COLUMNS: undefined, LINES: undefined },
  });
  open.push(t);
  return t;
}

const PROGRESS = /Fetched 100 of ~1,000 repositories…/;

describe('the progress line is cleared however the command ends', () => {
  it('Ctrl-C while pages are on their way: exit 130, the line gone, the interruption said on a row of its own', async () => {
    // Pages after the first wait until the test is over: the listing is in flight when Ctrl-C comes.
    w.server.setOptions({ pageDelay: (page) => (page === 1 ? 0 : 60_000) });
    const t = await shell(`$OAUTHCLI repos -h ${w.host} --json > /dev/null`);
    await t.waitForScreen(PROGRESS, 15_000);
    await t.sendKeys('C-c');
    expect(await t.waitForExit(15_000)).toBe(130);
    const screen = await t.screen();
    expect(screen).not.toMatch(/Fetched/);
    expect(screen).toMatch(/^oauthcli: /m);
  });

  it('an error on a later page: the line is cleared before the error is written', async () => {
    w.server.setOptions({
      pageDelay: (page) => {
        if (page === 1) w.server.fail(REPOS, { status: 500, body: { message: 'Server Error' }, times: Number.POSITIVE_INFINITY });
        return 0;
      },
    });
    const t = await shell(`$OAUTHCLI repos -h ${w.host} --json > /dev/null`);
    expect(await t.waitForExit(60_000)).toBe(1);
    const screen = await t.screen();
    expect(screen).not.toMatch(/Fetched/);
    expect(screen.split('\n')).toHaveLength(1);
    expect(screen).toMatch(/^oauthcli: .*500/);
  });

  it('| head: once the pipe closes the command ends and the line with it', async () => {
    w.server.setOptions({ pageDelay: (page) => (page === 1 ? 0 : 2_000) });
    const t = await shell(`$OAUTHCLI repos -h ${w.host} --json | head -c 10 > /dev/null; echo "exit: \${PIPESTATUS[0]}"`);
    expect(await t.waitForExit(60_000)).toBe(0);
    const screen = await t.screen();
    expect(screen).not.toMatch(/Fetched/);
    expect(screen).toBe('exit: 0');
  });
});
