// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// What a person sees in a real terminal (tmux, test/support/terminal.ts): the device flow's code
// before any browser, Enter to open it while the poll goes on, the clipboard, the paste route of
// `--web --no-browser` and of a browser that cannot be opened, progress of a long listing on
// stderr, the repository table at 80 columns, output that ends with a newline, `status` marks,
// no Node warning for NO_COLOR with FORCE_COLOR. Then, in plain pipes, gh's short flags and the
// one-line style of usage errors. The screen shows stdout and stderr together, as a person sees them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, makeSandbox, runCli, stripAnsi, type Env } from '../support/cli.js';
import { startTerminal, type Terminal } from '../support/terminal.js';
import { setUp, type GitHubLab } from './harness.js';
import { until } from '../support/until.js';
import { standInBrowser } from '../support/stand-in-browser.js';

const COLS = 80;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** ora's frames: a spinner drawn over the screen would show one of these. */
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

const open: Terminal[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

/**
 * The sandbox's environment for a terminal, made independent of where the tests run: no display
 * (unless a test gives one), not an SSH session, TERM of a modern terminal.
 */
function terminalEnv(w: GitHubLab, extra: Env = {}): Env {
  return {
    ...w.env,
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    DISPLAY: undefined,
    WAYLAND_DISPLAY: undefined,
    SSH_CONNECTION: undefined,
    SSH_CLIENT: undefined,
    SSH_TTY: undefined,
    COLUMNS: undefined,
    LINES: undefined,
    ...extra,
  };
}

/** `oauthcli ARGS` in an 80-column terminal of its own. */
async function terminal(w: GitHubLab, args: string[], options: { env?: Env; cols?: number; rows?: number } = {}): Promise<Terminal> {
  const t = await startTerminal([process.execPath, CLI_BIN, ...args], { cols: options.cols ?? COLS, rows: options.rows ?? 24, env: terminalEnv(w, options.env) });
  open.push(t);
  return t;
}

/** A shell command line in a terminal (for pipes and redirections inside it). `$OAUTHCLI` runs the CLI. */
async function shell(w: GitHubLab, script: string, options: { env?: Env; cols?: number; rows?: number } = {}): Promise<Terminal> {
  const t = await startTerminal(['bash', '-c', script], {
    cols: options.cols ?? COLS,
    rows: options.rows ?? 24,
    env: terminalEnv(w, { OAUTHCLI: `${process.execPath} ${CLI_BIN}`, ...options.env }),
  });
  open.push(t);
  return t;
}

/** A value the screen shows after `label`, wrapped over full-width rows (a long URL). */
function wrappedValue(screen: string, label: string, cols = COLS): string {
  const lines = screen.split('\n');
  let i = lines.findIndex((l) => l.includes(label));
  if (i < 0) throw new Error(`no "${label}" on the screen:\n${screen}`);
  let value = lines[i]!.slice(lines[i]!.indexOf(label) + label.length);
  while (lines[i]!.length === cols && i + 1 < lines.length) value += lines[++i];
  return value.trim();
}

const signedIn = (w: GitHubLab, login = 'octocat') => new RegExp(`^✓ Signed in to ${escapeRe(w.host)} as ${login}$`, 'm');

describe('device flow in a terminal', () => {
  let w: GitHubLab;
  beforeAll(async () => {
    w = await setUp({ device: { outcome: 'manual', pendingPolls: 0 } });
  });
  afterAll(async () => {
    await w.close();
  });

  it('shows the code first, opens no browser before Enter (the poll runs meanwhile), and Enter opens the verification URL', async () => {
    const browser = standInBrowser(w.sandbox.root);
    const t = await terminal(w, ['login', 'github', '--no-git', '-h', w.host, '--device'], { env: { OAUTHCLI_BROWSER: browser.command } });
    const screen = await t.waitForScreen(/Press Enter to open \S+ in your browser…$/m);
    const code = w.server.deviceCodes.at(-1)!;
    const lines = screen.split('\n');
    // ! First copy your one-time code: ABCD-EFGH
    // Open this URL to continue in your web browser: http://127.0.0.1:PORT/login/device
    // Press Enter to open 127.0.0.1:PORT in your browser…
    expect(lines[0]).toBe(`! First copy your one-time code: ${code.user_code}`);
    expect(lines.at(-1)).toBe(`Press Enter to open ${w.host} in your browser…`);
    expect(wrappedValue(screen, 'Open this URL to continue in your web browser: ')).toBe(`${w.server.url}/login/device`);

    // Two polls while "Press Enter" waits: the sign-in goes on; no browser was opened.
    await until(() => code.polls.length >= 2, 'two polls');
    expect(browser.opened()).toEqual([]);
    expect(await t.screen()).toBe(screen);

    await t.sendKeys('Enter');
    await until(() => browser.opened().length > 0, 'the browser to be opened');
    expect(browser.opened()).toEqual([`${w.server.url}/login/device`]);

    w.server.approveDevice();
    expect(await t.waitForExit(15_000)).toBe(0);
    expect(await t.screen()).toMatch(signedIn(w));
  });

  it('an approval made elsewhere (a phone) signs in without Enter; the "Press Enter" line is ended', async () => {
    const browser = standInBrowser(w.sandbox.root);
    const t = await terminal(w, ['login', 'github', '--no-git', '-h', w.host, '--device'], { env: { OAUTHCLI_BROWSER: browser.command } });
    await t.waitForScreen(/Press Enter to open/);
    await until(() => (w.server.deviceCodes.at(-1)?.polls.length ?? 0) >= 1, 'a poll');
    w.server.approveDevice();
    expect(await t.waitForExit(15_000)).toBe(0);
    const lines = (await t.screen()).split('\n');
    expect(lines.slice(-2)).toEqual([`Press Enter to open ${w.host} in your browser…`, `✓ Signed in to ${w.host} as octocat`]);
    expect(browser.opened()).toEqual([]);
  });

  it('-c copies the code where there is a clipboard, and says so', async () => {
    const bin = join(w.sandbox.root, 'clipboard-bin');
    const copied = join(w.sandbox.root, 'clipboard.txt');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'xclip'), `#!/bin/sh\nprintf '%s\\n' "$*" > '${copied}.args'\ncat > '${copied}'\n`, { mode: 0o755 });
    const t = await terminal(w, ['login', 'github', '--no-git', '-h', w.host, '--device', '-c'], {
      env: { DISPLAY: ':99', PATH: `${bin}:${w.env.PATH}`, OAUTHCLI_BROWSER: standInBrowser(w.sandbox.root).command },
    });
    const screen = await t.waitForScreen(/Press Enter/);
    const code = w.server.deviceCodes.at(-1)!.user_code;
    expect(screen.split('\n').slice(0, 2)).toEqual([`! First copy your one-time code: ${code}`, '✓ Copied the code to the clipboard.']);
    expect(readFileSync(copied, 'utf8')).toBe(code);
    expect(readFileSync(`${copied}.args`, 'utf8').trim()).toBe('-selection clipboard');
    w.server.approveDevice();
    expect(await t.waitForExit(15_000)).toBe(0);
  });

  it('-c with no clipboard (no display) says so in one line, and the sign-in goes on', async () => {
    const t = await terminal(w, ['login', 'github', '--no-git', '-h', w.host, '--device', '--clipboard'], { env: { OAUTHCLI_BROWSER: standInBrowser(w.sandbox.root).command } });
    const screen = await t.waitForScreen(/Press Enter/);
    expect(screen.split('\n')[1]).toBe('! Could not copy the code: there is no clipboard here (no display).');
    w.server.approveDevice();
    expect(await t.waitForExit(15_000)).toBe(0);
    expect(await t.screen()).toMatch(signedIn(w));
  });

  it('Ctrl-C while "Press Enter" waits ends the sign-in with exit 130, its line on a line of its own', async () => {
    const t = await terminal(w, ['login', 'github', '--no-git', '-h', w.host, '--device'], { env: { OAUTHCLI_BROWSER: standInBrowser(w.sandbox.root).command } });
    await t.waitForScreen(/Press Enter to open/);
    await t.sendKeys('C-c');
    expect(await t.waitForExit()).toBe(130);
    expect((await t.screen()).split('\n').at(-1)).toBe('oauthcli: interrupted (Ctrl-C)');
  });

  it('with no display and no browser command, offers no Enter that could only fail: the URL, and a spinner while it polls', async () => {
    const t = await terminal(w, ['login', 'github', '--no-git', '-h', w.host]);
    const screen = await t.waitForScreen(/Waiting for authorization in the browser…/);
    expect(screen).toMatch(/^Using the device flow: .*\.$/m);
    expect(screen).not.toMatch(/Press Enter/);
    w.server.approveDevice();
    expect(await t.waitForExit(15_000)).toBe(0);
    const after = await t.screen();
    // The spinner is gone: its line was cleared, not left behind.
    expect(after).not.toMatch(SPINNER);
    expect(after).not.toMatch(/Waiting for authorization/);
    expect(after).toMatch(signedIn(w));
  });
});

describe('browser flow in a terminal', () => {
  let w: GitHubLab;
  beforeAll(async () => {
    w = await setUp();
    w.env.OAUTHCLI_GITHUB_CLIENT_SECRET = 'test-client-secret';
  });
  afterAll(async () => {
    await w.close();
  });

  /** Signs in at the fake as the browser elsewhere would, and returns the URL it was sent to. */
  async function redirectFor(screen: string): Promise<string> {
    const url = wrappedValue(screen, 'Open this URL in your browser to sign in: ');
    const { location } = await w.server.simulateBrowser(url, { followRedirect: false });
    return location;
  }

  it('--web with a browser: opens the URL it shows, waits with a spinner, and the spinner is gone once signed in', async () => {
    const browser = standInBrowser(w.sandbox.root);
    const t = await terminal(w, ['login', 'github', '--no-git', '-h', w.host, '-w'], { rows: 40, env: { OAUTHCLI_BROWSER: browser.command } });
    const screen = await t.waitForScreen(/Waiting for the browser…/);
    expect(screen).not.toMatch(/Paste the URL/);
    await until(() => browser.opened().length > 0, 'the browser to be opened');
    expect(browser.opened()).toEqual([wrappedValue(screen, 'Open this URL in your browser to sign in: ')]);
    const { callback } = await w.server.simulateBrowser(browser.opened()[0]!, { followRedirect: true });
    expect(callback?.status).toBe(200);
    expect(await t.waitForExit(15_000)).toBe(0);
    const done = await t.screen();
    expect(done).not.toMatch(SPINNER);
    expect(done).not.toMatch(/Waiting for the browser/);
    expect(done.split('\n').at(-1)).toBe(`✓ Signed in to ${w.host} as octocat`);
  });

  it('--web --no-browser: what is typed stays visible (no spinner over it), a wrong URL is refused and the prompt stays usable, the right one signs in', async () => {
    const t = await terminal(w, ['login', 'github', '--no-git', '-h', w.host, '--web', '--no-browser'], { rows: 40 });
    const screen = await t.waitForScreen(/^Paste the URL:$/m);
    expect(screen).toMatch(/If your browser is on another machine, sign in there, then paste here the full/);

    await t.type('http://127.0.0.1:1/callback?code=wrong');
    // Over a second (a spinner redraws every 80 ms): the typed text stays, nothing draws over it.
    for (let i = 0; i < 8; i++) {
      await sleep(150);
      const now = await t.screen();
      expect(now.split('\n').at(-1)).toBe('Paste the URL: http://127.0.0.1:1/callback?code=wrong');
      expect(now).not.toMatch(SPINNER);
    }
    await t.sendKeys('Enter');
    const refused = await t.waitForScreen(/That URL was not accepted[\s\S]*\nPaste the URL:$/);
    expect(wrappedValue(refused, 'That URL was not accepted: ')).toMatch(/^that URL does not start with http:\/\/127\.0\.0\.1:\d+\/callback\. Paste the URL of this sign-in\.$/);
    expect(await t.exitCode()).toBeNull();

    await t.type(await redirectFor(screen));
    await t.sendKeys('Enter');
    expect(await t.waitForExit(15_000)).toBe(0);
    const done = await t.screen();
    expect(done).toMatch(signedIn(w));
    expect(done).not.toMatch(SPINNER);
  });

  it('a browser that cannot be opened is said at once, with the paste route offered (no silent wait)', async () => {
    // No --web: the browser flow is chosen (a secret, a browser command); the command fails.
    const t = await terminal(w, ['login', 'github', '--no-git', '-h', w.host], { rows: 40, env: { OAUTHCLI_BROWSER: '/bin/false' } });
    // The paste route is offered while the sign-in still waits (not after its timeout ended it).
    const screen = await t.waitForScreen(/^Paste the URL:$/m);
    expect(await t.exitCode()).toBeNull();
    const lines = screen.split('\n');
    expect(lines[0]).toBe('Using the browser flow: a browser can be opened here.');
    const said = lines.indexOf('! Could not open a browser here (OAUTHCLI_BROWSER=/bin/false failed).');
    expect(said).toBeGreaterThan(0);
    expect(lines.findIndex((l) => l.startsWith('If your browser is on another machine'))).toBe(said + 1);

    await t.type(await redirectFor(screen));
    await t.sendKeys('Enter');
    expect(await t.waitForExit(15_000)).toBe(0);
    expect(await t.screen()).toMatch(signedIn(w));
  });

  it('--web with no display says so at once and offers the paste route', async () => {
    const t = await terminal(w, ['login', 'github', '--no-git', '-h', w.host, '-w'], { rows: 40 });
    const screen = await t.waitForScreen(/^Paste the URL:$/m);
    expect(screen).toMatch(/^! Could not open a browser here \(there is no display\)\.$/m);
  });

  it('Ctrl-C at the paste prompt ends the sign-in (exit 130), on a line of its own, and gives the terminal back', async () => {
    const t = await shell(w, `$OAUTHCLI login github -h ${w.host} --web --no-browser; echo "[exit $?]"; stty -a | grep -o -- '-\\?icanon' | head -1`, { rows: 40 });
    await t.waitForScreen(/^Paste the URL:$/m);
    await t.type('abc');
    await t.sendKeys('C-c');
    const screen = await t.waitForScreen(/^icanon$/m, 10_000);
    const lines = screen.split('\n');
    expect(lines.slice(-4)).toEqual(['Paste the URL: abc', 'oauthcli: interrupted (Ctrl-C)', '[exit 130]', 'icanon']);
  });
});

describe('long listings and the repository table in a terminal', () => {
  let w: GitHubLab;
  beforeAll(async () => {
    w = await setUp();
    await w.signIn();
    w.server.setRepos('octocat', 3000);
  });
  afterAll(async () => {
    await w.close();
  });

  it('with stdout piped to a file, shows "Fetched … of ~3,000 repositories…" on stderr while it runs, and clears it at the end', async () => {
    // 30 pages of 100: page 1 at once, the others once the test has seen the progress line.
    let releasePages!: () => void;
    const pagesHeld = new Promise<void>((resolve) => {
      releasePages = resolve;
    });
    w.server.setOptions({ pageDelay: (page) => (page === 1 ? 0 : pagesHeld) });
    const out = join(w.sandbox.root, 'out.json');
    try {
      const t = await shell(w, `$OAUTHCLI repos -h ${w.host} --json > '${out}'; echo "[exit $?]"`);
      const during = await t.waitForScreen(/Fetched [\d,]+ of ~3,000 repositories…/, 15_000);
      expect(during).toMatch(/^Fetched [\d,]+ of ~3,000 repositories…$/m);
      releasePages();
      const end = await t.waitForScreen(/\[exit \d+\]/, 30_000);
      // Cleared: only the summary is left, and the shell's next line starts on a line of its own.
      expect(end).toBe('3,000 repositories\n[exit 0]');
      const repos = JSON.parse(readFileSync(out, 'utf8')) as Array<{ name: string }>;
      expect(repos).toHaveLength(3000);
      expect(readFileSync(out, 'utf8')).not.toContain('Fetched');
    } finally {
      releasePages();
      w.server.setOptions({ pageDelay: undefined });
    }
  });

  it('at 80 columns keeps DESCRIPTION (cut with "…"), and no line is wider than the terminal', async () => {
    const t = await terminal(w, ['repos', '-h', w.host, '-L', '120'], { rows: 30 });
    expect(await t.waitForExit(20_000)).toBe(0);
    const all = (await t.screen({ scrollback: true })).split('\n');
    expect(all[0]).toMatch(/^NAME\s+VISIBILITY\s+LANGUAGE\s+STARS\s+UPDATED\s+DESCRIPTION$/);
    // OWNER/NAME takes its room: the description stays on every row with one, cut with "…" where it must.
    expect(all.filter((l) => /  Test repository\b/.test(l)).length).toBeGreaterThan(10);
    expect(all.some((l) => /  Test repository[^…]*…$/.test(l))).toBe(true);
    for (const line of all) expect(line.length, line).toBeLessThanOrEqual(COLS);
    expect(all.at(-1)).toBe('120 repositories (the first 120; raise --limit for more)');
  });
});

describe('what the screen says about accounts', () => {
  let w: GitHubLab;
  let hubotToken: string;
  beforeAll(async () => {
    w = await setUp();
    await w.signIn('hubot');
    await w.signIn('octocat');
    w.server.setRepos('octocat', 5);
    hubotToken = (await w.cli(['token', '-h', w.host, '-u', 'hubot'])).stdout.trim();
  });
  afterAll(async () => {
    await w.close();
  });

  // Each command, then a marker: were the output not ended by a newline, the marker would be glued
  // to its last line.
  const commands = (host: string) => [
    'whoami',
    'whoami --json',
    `whoami -h ${host} -q .login`,
    'status --offline',
    `repos -h ${host}`,
    `repos -h ${host} --json -q '.[0].name'`,
    `token -h ${host}`,
    'provider list',
    'repos --bogus',
  ];

  it('every output ends with a newline: the next thing printed starts on a line of its own', async () => {
    const script = commands(w.host)
      .map((c, i) => `$OAUTHCLI ${c}; echo '<<${i}>>'`)
      .join('; ');
    const t = await shell(w, script, { rows: 200 });
    await t.waitForScreen(new RegExp(`<<${commands(w.host).length - 1}>>`), 30_000);
    const screen = await t.screen();
    for (let i = 0; i < commands(w.host).length; i++) expect(screen, commands(w.host)[i]).toMatch(new RegExp(`(^|\\n)<<${i}>>$`, 'm'));
  });

  it('no line ends in spaces, on stdout or stderr (whoami with several identities used to end in two spaces)', async () => {
    for (const command of [...commands(w.host), 'status', `login github -h ${w.host} --with-token`]) {
      const args = command.split(' ').map((a) => a.replace(/^'(.*)'$/, '$1'));
      const res = await w.cli(args, command.includes('--with-token') ? { input: `${w.server.issueToken('octocat').access_token}\n` } : {});
      for (const [name, text] of [['stdout', res.stdout], ['stderr', res.stderr]] as const) {
        expect(text, `${command}: ${name}`).not.toMatch(/[ \t]+$/m);
        if (text) expect(text.endsWith('\n'), `${command}: ${name} ends with a newline`).toBe(true);
      }
    }
  });

  it('whoami with several identities: each one, ending with a newline, no internal profile id', async () => {
    const t = await shell(w, `$OAUTHCLI whoami; printf '<<end>>'`, { rows: 60 });
    const screen = await t.waitForScreen(/<<end>>/);
    expect(screen).toMatch(/^2 linked identities$/m);
    expect(screen).toMatch(new RegExp(`^github · ${escapeRe(w.host)} · octocat \\(active, current\\)$`, 'm'));
    expect(screen).toMatch(new RegExp(`^github · ${escapeRe(w.host)} · hubot$`, 'm'));
    expect(screen.split('\n').slice(-2)).toEqual(['  Token:   does not expire', '<<end>>']);
    expect(screen).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
  });

  it('status: ✓ for a token that works, ✗ for one that does not (exit 1), "active" on its own, no profile id', async () => {
    w.server.revokeToken(hubotToken);
    try {
      const t = await terminal(w, ['status']);
      expect(await t.waitForExit(20_000)).toBe(1);
      const screen = await t.screen();
      expect(screen).toMatch(/^2 accounts: 1 working, 1 not working$/m);
      expect(screen).toMatch(new RegExp(`^${escapeRe(w.host)} \\(github\\)$`, 'm'));
      expect(screen).toMatch(/^ {2}✓ octocat \(active, current\)$/m);
      expect(screen).toMatch(/^ {2}✗ hubot$/m);
      expect(screen).toMatch(/^ {4}Token: {3}does not work: /m);
      expect(screen).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);

      const offline = await terminal(w, ['status', '--offline']);
      expect(await offline.waitForExit(20_000)).toBe(0);
      // Not asked: neither ✓ nor ✗.
      expect(await offline.screen()).toMatch(/^ {2}- octocat \(active, current\)$/m);
    } finally {
      // The other tests' hubot: signed in again.
      await w.signIn('hubot');
      await w.signIn('octocat');
      hubotToken = (await w.cli(['token', '-h', w.host, '-u', 'hubot'])).stdout.trim();
    }
  });
});

describe('gh short flags and usage errors, in plain pipes', () => {
  let w: GitHubLab;
  beforeAll(async () => {
    w = await setUp();
    w.server.addUser({ login: 'hubot', id: 2, name: 'Hubot', email: 'hubot@example.com' });
    w.server.setRepos('octocat', 30);
  });
  afterAll(async () => {
    await w.close();
  });

  it('-h HOST is --hostname on login, whoami, repos and token; -s asks for scopes; -u picks the user; -q filters; -L limits', async () => {
    const login = await w.cli(['login', 'github', '-h', w.host, '--device', '--no-browser', '-s', 'read:org,gist']);
    expect(login.code).toBe(0);
    expect(login.stderr).toMatch(signedIn(w));
    expect(w.server.deviceCodes.at(-1)!.scopes).toEqual(expect.arrayContaining(['read:org', 'gist']));

    const whoami = await w.cli(['whoami', '-h', w.host]);
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toMatch(/^Login: {3}octocat$/m);
    expect(whoami.stdout).toMatch(new RegExp(`^Host: {4}${escapeRe(w.host)} \\(GitHub\\)$`, 'm'));

    const repos = await w.cli(['repos', '-h', w.host, '-L', '5', '--json']);
    expect(repos.code).toBe(0);
    expect((JSON.parse(repos.stdout) as unknown[]).length).toBe(5);
    expect(w.server.requests.filter((r) => r.path.endsWith('/user/repos')).at(-1)!.query.per_page).toBe('5');

    const token = await w.cli(['token', '-h', w.host]);
    expect(token.code).toBe(0);
    expect(token.stdout).toMatch(/^gh[ou]_\w+\n$/);

    // A second account, then -u to pick either.
    w.server.setDevice({ login: 'hubot', outcome: 'approve', pendingPolls: 0 });
    expect((await w.cli(['login', 'github', '-h', w.host, '--device', '--no-browser'])).code).toBe(0);
    expect((await w.cli(['whoami', '-h', w.host, '-u', 'octocat', '-q', '.login'])).stdout).toBe('octocat\n');
    expect((await w.cli(['whoami', '-h', w.host, '-u', 'hubot', '-q', '.login'])).stdout).toBe('hubot\n');
    expect((await w.cli(['repos', '-h', w.host, '-u', 'octocat', '-L', '2', '-q', '.[].name'])).stdout).toBe('repo-0001\nrepo-0002\n');
  });

  it('-w is --web (here with --no-browser: the URL pasted on stdin)', async () => {
    w.env.OAUTHCLI_GITHUB_CLIENT_SECRET = 'test-client-secret';
    try {
      const cli = w.start(['login', 'github', '-h', w.host, '-w', '--no-browser']);
      const [, url] = await cli.waitForStderr(/Open this URL in your browser to sign in: (\S+)/);
      const { location } = await w.server.simulateBrowser(url!, { followRedirect: false });
      cli.write(`${location}\n`);
      const res = await cli.exited;
      expect(res.code).toBe(0);
      expect(stripAnsi(res.stderr)).toMatch(/^✓ Signed in to /m);
    } finally {
      delete w.env.OAUTHCLI_GITHUB_CLIENT_SECRET;
    }
  });

  it.each([
    [['repos', '--bogus'], "oauthcli: unknown option '--bogus'. Run 'oauthcli repos --help' for usage.\n"],
    [['login'], "oauthcli: missing required argument 'provider'. Run 'oauthcli login --help' for usage.\n"],
    [['bogus'], "oauthcli: unknown command 'bogus' (did you mean logout?). Run 'oauthcli --help' for usage.\n"],
  ])('a usage error is one line in one style: %j', async (args, line) => {
    const res = await w.cli(args);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe(line);
  });

  it('login --help ends with examples', async () => {
    const res = await runCli(['login', '--help'], { env: w.env });
    expect(res.code).toBe(0);
    const tail = res.stdout.trimEnd().split('\n');
    const at = tail.lastIndexOf('Examples:');
    expect(at).toBeGreaterThan(0);
    expect(tail.slice(at + 1).length).toBeGreaterThanOrEqual(3);
    for (const line of tail.slice(at + 1)) expect(line).toMatch(/^ {2}\$ oauthcli login /);
    expect(tail.slice(at + 1)).toContain('  $ oauthcli login github -h ghe.example.com -s read:org,repo');
  });
});

/** Colours, usage errors, login hints, the progress line beside a table or a filter, and help examples. */
describe('the rest of the screen', () => {
  let w: GitHubLab;
  beforeAll(async () => {
    w = await setUp();
  });
  afterAll(async () => {
    await w.close();
  });

  it('NO_COLOR=1 with FORCE_COLOR=1 prints no Node warning, and no colour', async () => {
    await w.signIn();
    const t = await terminal(w, ['status'], { env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    expect(await t.waitForExit(20_000)).toBe(0);
    const screen = await t.screen({ escapes: true });
    expect(screen).not.toMatch(/Warning|NO_COLOR|trace-warnings/);
    expect(screen).not.toMatch(/\x1b\[3\dm/);
    expect(screen).toMatch(/^ {2}✓ octocat \(active, current\)$/m);
  });

  it("a command's own usage error names the command, as commander's do: Run 'oauthcli repos --help' for usage.", async () => {
    const res = await w.cli(['repos', '-L', 'x']);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe("oauthcli: invalid --limit 'x' (a whole number, 1 or more). Run 'oauthcli repos --help' for usage.\n");
  });

  it('not signed in, with no provider named: the hint names one (github, the default), with the host given', async () => {
    const fresh = makeSandbox();
    try {
      const env = { ...fresh.env };
      const whoami = await runCli(['whoami'], { env });
      expect(whoami.code).toBe(4);
      expect(whoami.stderr).toBe('oauthcli: not signed in. Run: oauthcli login github\n');
      const repos = await runCli(['repos', '-h', w.host], { env });
      expect(repos.code).toBe(4);
      expect(repos.stderr).toBe(`oauthcli: not signed in to ${w.host}. Run: oauthcli login github --hostname ${w.host}\n`);
    } finally {
      fresh.cleanup();
    }
  });

  it('a table on the terminal: the progress line is shown again after each page of rows, while the next page comes', async () => {
    await w.signIn();
    w.server.setRepos('octocat', 1000);
    // Pages 2… are answered once the test has seen the progress line below page 1's rows.
    let releasePages!: () => void;
    const pagesHeld = new Promise<void>((resolve) => {
      releasePages = resolve;
    });
    w.server.setOptions({ pageDelay: (page) => (page === 1 ? 0 : pagesHeld) });
    try {
      const t = await terminal(w, ['repos', '-h', w.host]);
      await t.waitForScreen(/^octocat\/repo-0100 /m, 15_000);
      // Rows of page 1 are out, the next page is not: the line below the rows says how far it got.
      expect((await t.waitForScreen(/^Fetched 100 of ~1,000 repositories…$/m, 15_000)).split('\n').at(-1)).toBe('Fetched 100 of ~1,000 repositories…');
      releasePages();
      expect(await t.waitForExit(30_000)).toBe(0);
      expect(await t.screen()).not.toMatch(/Fetched/);
    } finally {
      releasePages();
      w.server.setOptions({ pageDelay: undefined });
    }
  });

  it('repos -q on a terminal: the progress line is cleared before the filtered result is written', async () => {
    await w.signIn();
    w.server.setRepos('octocat', 5);
    const t = await terminal(w, ['repos', '-h', w.host, '-q', '.[0].name']);
    expect(await t.waitForExit(20_000)).toBe(0);
    // Today: "Fetched 5 repositories…repo-0001" (the result glued to the progress line), then "5 repositories".
    expect(await t.screen()).toBe('repo-0001\n5 repositories');
  });

  it('every command meant for people ends its --help with examples (provider list and provider remove have none)', async () => {
    for (const command of [['provider', 'list'], ['provider', 'remove']]) {
      const res = await runCli([...command, '--help'], { env: w.env });
      expect(res.stdout, command.join(' ')).toMatch(/\nExamples:\n( {2}\$ oauthcli .*\n)+\s*$/);
    }
  });
});
