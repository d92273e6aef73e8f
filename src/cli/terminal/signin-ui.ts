// The sign-in as the user sees it in a terminal: the one-time code before any browser opens,
// Enter to open it (while the poll goes on, so an approval from a phone needs no Enter), a
// browser that could not be opened said at once with the paste route offered, and no spinner
// drawn over what the user types.
import { createInterface } from 'node:readline';
import type { SignInRequest } from '../../signin/sign-in.js';
import type { DeviceCode, PasteTarget, SignInUi, Waiting } from '../../signin/ui.js';
import { browserCommand, canOpenBrowser } from './browser.js';
import { copyToClipboard } from './clipboard.js';
import { paintFor, type Paint } from './paint.js';
import { safeText } from './safe-text.js';
import { interactiveStderr, startSpinner } from './spinner.js';
import type { World } from '../world.js';

export interface TerminalSignInOptions {
  /** -c/--clipboard: copy the one-time code. */
  clipboard?: boolean;
}

/** What the flow choice needs to know about this terminal. */
export function terminalOf(world: World): SignInRequest['terminal'] {
  return { platform: world.platform, stdinIsTTY: Boolean(world.stdin.isTTY), stderrIsTTY: Boolean(world.stderr.isTTY) };
}

export async function terminalSignInUi(world: World, options: TerminalSignInOptions = {}): Promise<SignInUi> {
  const paint = await paintFor(world, world.stderr);
  const interactive = Boolean(world.stdin.isTTY && world.stderr.isTTY);
  // While a prompt waits on the terminal, no spinner may redraw its line.
  let prompting = false;
  return {
    note: (line) => world.info(line),
    async showDeviceCode(code, host, openBrowser) {
      const stop = await showDeviceCode(world, paint, options, interactive, code, host, openBrowser, (asking) => (prompting = asking));
      return () => {
        prompting = false;
        stop();
      };
    },
    async showAuthorizationUrl(url, host, openBrowser) {
      world.info(`Open this URL in your browser to sign in: ${safeText(url)}`);
      if (!openBrowser) return false;
      if (await world.openBrowser(url)) return true;
      world.info(`${paint.yellow('!')} Could not open a browser here${browserFailure(world)}.`);
      return false;
    },
    acceptPastedRedirect: (target) => acceptPastedRedirect(world, paint, interactive, target),
    waiting: (text) => (prompting ? { update() {}, stop() {} } : spinner(world, text)),
  };
}

async function showDeviceCode(
  world: World,
  paint: Paint,
  options: TerminalSignInOptions,
  interactive: boolean,
  code: DeviceCode,
  host: string,
  openBrowser: boolean,
  /** Whether "Press Enter" is on screen, waiting: no spinner may draw over it meanwhile. */
  setPrompting: (asking: boolean) => void,
): Promise<() => void> {
  const userCode = safeText(code.userCode);
  const where = safeText(code.verificationUri);
  const target = code.verificationUriComplete ?? code.verificationUri;
  world.info(`${paint.yellow('!')} First copy your one-time code: ${paint.bold(userCode)}`);
  if (options.clipboard) {
    const why = await copyToClipboard(code.userCode, world.env, world.platform);
    world.info(why ? `${paint.yellow('!')} Could not copy the code: ${why}.` : `${paint.green('✓')} Copied the code to the clipboard.`);
  }
  world.info(`Open this URL to continue in your web browser: ${where}`);
  if (!openBrowser) return () => undefined;
  if (!interactive) {
    // Nobody at a terminal to press Enter (a script, a test): open it now, as before.
    if (!(await world.openBrowser(target))) world.info(`(could not open a browser${browserFailure(world)}; open the URL above yourself)`);
    return () => undefined;
  }
  // No display and no browser command (a server, an SSH session): offering Enter would only
  // lead to "could not open"; the URL above is the way, and the poll is already running.
  if (!canOpenBrowser(world.env, world.platform)) return () => undefined;
  world.stderr.write(`${paint.bold('Press Enter')} to open ${safeText(host)} in your browser… `);
  setPrompting(true);
  let done = false;
  const rl = createInterface({ input: world.stdin, terminal: false });
  rl.once('line', () => {
    if (done) return;
    done = true;
    rl.close();
    setPrompting(false);
    void world.openBrowser(target).then((ok) => {
      if (!ok) world.info(`${paint.yellow('!')} Could not open a browser here${browserFailure(world)}; open ${where} yourself.`);
    });
  });
  return () => {
    if (!done) {
      done = true;
      // End the "Press Enter" line: what follows starts on a line of its own.
      world.stderr.write('\n');
    }
    rl.close();
    world.stdin.pause();
    world.stdin.unref?.();
  };
}

/**
 * For a browser on another machine (SSH) or none at all: the page it could not load shows the
 * redirect URL in its address bar; the user pastes it here and it is checked exactly like a
 * callback. On a terminal, readline echoes what is typed and nothing redraws over it.
 */
function acceptPastedRedirect(world: World, paint: Paint, interactive: boolean, target: PasteTarget): () => void {
  world.info(`If your browser is on another machine, sign in there, then paste here the full URL it was sent to (it starts with ${target.redirectUri}).`);
  const rl = createInterface({ input: world.stdin, output: interactive ? world.stderr : undefined, terminal: interactive });
  const prompt = `${paint.bold('Paste the URL')}: `;
  // The prompt is on screen and its line not yet ended (by Enter, or by us).
  let atPrompt = false;
  const ask = () => {
    if (!interactive) return;
    rl.prompt();
    atPrompt = true;
  };
  if (interactive) rl.setPrompt(prompt);
  ask();
  // readline reads a terminal in raw mode, where Ctrl-C is a key, not a signal: without this it
  // would only pause the prompt and the user could not interrupt the sign-in.
  rl.on('SIGINT', () => {
    endLine();
    interrupt();
  });
  const endLine = () => {
    if (atPrompt) world.stderr.write('\n');
    atPrompt = false;
  };
  rl.on('line', (line) => {
    atPrompt = false;
    if (!line.trim()) {
      ask();
      return;
    }
    const verdict = target.submit(line);
    if (!verdict.accepted) {
      world.info(`That URL was not accepted: ${verdict.reason}. Paste the URL of this sign-in.`);
      ask();
    }
  });
  return () => {
    // The sign-in ended otherwise (the browser came back, a timeout, an error): whatever is said
    // next starts on a line of its own, not after "Paste the URL: ".
    endLine();
    rl.close();
    world.stdin.pause();
    world.stdin.unref?.();
  };
}

/** Ctrl-C as the terminal would have delivered it: the process's SIGINT handling (exit 130). */
function interrupt(): void {
  if (process.listenerCount('SIGINT') > 0) process.emit('SIGINT', 'SIGINT');
  else process.kill(process.pid, 'SIGINT');
}

/** Why a browser could not be opened, as " (…)", so the user knows what to change. */
export function browserFailure(world: World): string {
  const command = browserCommand(world.env);
  if (command) return ` (${command.variable}=${safeText(command.value)} failed)`;
  if (!canOpenBrowser(world.env, world.platform)) return ' (there is no display)';
  return '';
}

export function spinner(world: World, text: string): Waiting {
  if (!interactiveStderr(world)) return { update() {}, stop() {} };
  let stopped = false;
  let current: Awaited<ReturnType<typeof startSpinner>> | undefined;
  void startSpinner(world, text).then((s) => {
    if (stopped) s.stop();
    else current = s;
  });
  return {
    update(t) {
      current?.update(t);
    },
    stop() {
      stopped = true;
      current?.stop();
    },
  };
}
