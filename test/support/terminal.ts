/**
 * A real terminal for tests that assert on what a user SEES: the command runs in a pane of a
 * detached tmux server of its own, so it gets a pty of a known size (isTTY, colours, spinners,
 * prompts, cursor movement all behave as for a person), and the test reads the rendered screen
 * with capture-pane and types with send-keys. stdout and stderr land on the same screen, as
 * they do for a person; a test that needs them apart should use runCli instead.
 *
 * Each terminal has its own server socket (-S, in a temp dir), started with -f /dev/null so no
 * ~/.tmux.conf applies, and the command runs under `env -i` so only the given environment
 * reaches it (a tmux server otherwise hands panes its own environment). See tmux(1).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TerminalOptions {
  cols?: number;
  rows?: number;
  /**
   * The command's whole environment: nothing else is inherited. PATH and HOME (this process's)
   * and TERM=xterm-256color are defaults; give a name the value undefined to leave it out.
   */
  env?: Record<string, string | undefined>;
  cwd?: string;
}

export interface ScreenOptions {
  /** Keep colours and attributes as escape sequences (capture-pane -e). */
  escapes?: boolean;
  /** Include lines scrolled off the top (capture-pane -S -). */
  scrollback?: boolean;
}

export interface Terminal {
  /** The rendered screen, one line per row, trailing spaces and trailing blank rows removed. */
  screen(options?: ScreenOptions): Promise<string>;
  /** Polls the screen until it matches; resolves with it, or rejects with the last screen seen. */
  waitForScreen(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Keys by tmux name (Enter, Escape, Up, C-c, BSpace, …); other strings are typed as they are. */
  sendKeys(...keys: string[]): Promise<void>;
  /** Types `text` literally (send-keys -l): no key names. Press Enter with sendKeys('Enter'). */
  type(text: string): Promise<void>;
  /** null while the command runs; then its exit status, or 128 + the signal number if a signal killed it (as shells report). */
  exitCode(): Promise<number | null>;
  /** Resolves with exitCode() once the command has ended; rejects after timeoutMs. */
  waitForExit(timeoutMs?: number): Promise<number>;
  /** Kills the command and the tmux server. Safe to call twice. */
  close(): Promise<void>;
}

const POLL_MS = 50;
const SESSION = 'main';
const TARGET = `${SESSION}:`;
/** The pane title the wrapper sets once the command has ended, followed by its exit status. */
const EXIT_TITLE = 'oauthcli-terminal-exit:';
const EXITED = new RegExp(`^${EXIT_TITLE}(\\d+)$`);

/**
 * tmux splits its argv into commands at words ending in ';' (tmux(1) COMMAND PARSING AND
 * EXECUTION); a word ending in '\;' keeps a plain ';' instead.
 */
function escapeSeparator(word: string): string {
  return word.endsWith(';') ? `${word.slice(0, -1)}\\;` : word;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `command` (argv, no shell) in a detached cols×rows terminal. */
export async function startTerminal(command: string[], options: TerminalOptions = {}): Promise<Terminal> {
  if (command.length === 0 || command[0]!.includes('=')) throw new Error(`startTerminal needs a command without '=' in its name, got ${JSON.stringify(command)}`);
  const { cols = 80, rows = 24, cwd = process.cwd() } = options;
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm-256color', ...(options.env ?? {}) };
  const assignments = Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));

  const dir = mkdtempSync(join(tmpdir(), 'oauthcli-tmux-'));
  const socket = join(dir, 'socket');
  // The tmux client and server themselves: no TMUX (nesting check), a UTF-8 locale.
  const tmuxEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };
  const tmux = async (...args: string[]) => (await run('tmux', ['-S', socket, ...args], { env: tmuxEnv })).stdout;

  try {
    await tmux(
      '-f', '/dev/null', 'start-server', ';',
      // Should the wrapper below be killed too (a signal to the whole process group), keep the
      // pane readable, with no "Pane is dead" line over it (remain-on-exit-format, tmux >= 3.3).
      'set-option', '-g', 'remain-on-exit', 'on', ';',
      'set-option', '-g', 'remain-on-exit-format', '', ';',
      // No status line: the pane gets all `rows` rows.
      'set-option', '-g', 'status', 'off', ';',
      'new-session', '-d', '-s', SESSION, '-x', String(cols), '-y', String(rows), '-c', escapeSeparator(cwd),
      // env(1): options, then NAME=VALUE words, then the command (which must not contain '=').
      // sh runs it, then reports its exit status as the pane's title (OSC 2) through the same
      // pty as the command's output, and then stays (sleep) until close() ends the server.
      // tmux parses the pty in order, so once the title shows the status, everything the
      // command wrote is on the screen; and while the pty stays open, nothing written to it is
      // lost. Two things this replaced lost races on a loaded machine: a pane whose process had
      // ended sometimes showed an empty screen (tmux dropped output it had not read yet), and
      // tmux's own #{pane_dead_status} was sometimes never filled in. sh catches (not ignores)
      // INT, TERM and HUP, so the command gets them as usual, and sh lives to report `$?`
      // (128 + n for a signal).
      'env', '-i', '--', ...[...assignments, '/bin/sh', '-c', `trap : INT TERM HUP; "$@"; printf '\\033]2;${EXIT_TITLE}%s\\033\\\\' $?; exec sleep 86400`, 'sh', ...command].map(escapeSeparator), ';',
      // A test that never calls close() (or a test process killed by vitest with SIGTERM) must
      // not leave the server behind: a job inside it ends it once this process is gone.
      'run-shell', '-b', `while kill -0 ${process.pid}; do sleep 1; done >/dev/null 2>&1; tmux -S '${socket}' kill-server; rm -rf '${dir}'`,
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  let closed = false;
  const terminal: Terminal = {
    async screen({ escapes = false, scrollback = false } = {}) {
      const text = await tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), ...(scrollback ? ['-S', '-'] : []), '-t', TARGET);
      return text.replace(/\s+$/, '');
    },
    async waitForScreen(pattern, timeoutMs = 10_000) {
      const matches = (s: string) => (typeof pattern === 'string' ? s.includes(pattern) : pattern.test(s));
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = await terminal.screen();
        if (matches(s)) return s;
        if (Date.now() > deadline) throw new Error(`screen did not show ${String(pattern)} within ${timeoutMs} ms; it shows:\n${s}`);
        await sleep(POLL_MS);
      }
    },
    async sendKeys(...keys) {
      await tmux('send-keys', '-t', TARGET, '--', ...keys.map(escapeSeparator));
    },
    async type(text) {
      await tmux('send-keys', '-t', TARGET, '-l', '--', escapeSeparator(text));
    },
    async exitCode() {
      const title = await tmux('display-message', '-p', '-t', TARGET, '#{pane_title}');
      const status = EXITED.exec(title.trim());
      return status ? Number(status[1]) : null;
    },
    async waitForExit(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const code = await terminal.exitCode();
        if (code !== null) return code;
        if (Date.now() > deadline) throw new Error(`command still running after ${timeoutMs} ms; screen:\n${await terminal.screen()}`);
        await sleep(POLL_MS);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await tmux('kill-server').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return terminal;
}
