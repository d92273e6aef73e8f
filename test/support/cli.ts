/**
 * Helpers to run the built oauthcli (`bin/oauthcli.js`) the way a user would,
 * in an isolated HOME / config dir, and to inspect what it left behind
 * (OS keychain entries, files on disk).
 */
import { spawn, spawnSync, execFile } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (two levels up from test/support/). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const CLI_BIN = join(REPO_ROOT, 'bin', 'oauthcli.js');

export type Env = Record<string, string | undefined>;

export interface Sandbox {
  /** Root temp dir; everything below is removed by cleanup(). */
  root: string;
  home: string;
  configDir: string;
  env: Env;
  /** Removes the temp dir, and the keychain items of the accounts its config lists. */
  cleanup(): void;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the process was killed because timeoutMs elapsed. */
  timedOut: boolean;
}

export interface RunOptions {
  /** Full environment for the child. Default: sanitizeEnv(process.env) (no sandbox!). */
  env?: Env | undefined;
  /** Written to stdin, then stdin is closed. Without it stdin is closed immediately (runCli) / left open (startCli). */
  input?: string | undefined;
  /** Kill (SIGKILL) after this many ms. Default 20000. */
  timeoutMs?: number | undefined;
  cwd?: string | undefined;
  /** Script to run instead of bin/oauthcli.js (used by the helpers' self-test). */
  bin?: string | undefined;
}

export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the match once stderr (ANSI codes stripped) matches; rejects on timeout or exit. */
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Same for stdout. */
  waitForStdout(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  write(text: string): void;
  /** Close stdin. */
  end(): void;
  kill(signal?: NodeJS.Signals): boolean;
  exited: Promise<CliResult>;
}

const ANSI_RE = /[\u001b\u009b][[\]()#;?]*(?:(?:(?:[a-zA-Z\d]*(?:;[-a-zA-Z\d/#&.:=?%@~_]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PR-TZcf-nq-uy=><~]))/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI_RE, '');
}

/**
 * process.env without anything that could leak real credentials or change
 * output: names containing TOKEN, GH_*, GITHUB_*, BROWSER, NO_COLOR, FORCE_COLOR, CI,
 * and any pre-existing OAUTHCLI_* variable.
 */
export function sanitizeEnv(base: Env = process.env): Env {
  const env: Env = {};
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined) continue;
    const K = k.toUpperCase();
    if (K.includes('TOKEN')) continue;
    if (K.startsWith('GH_') || K.startsWith('GITHUB_') || K.startsWith('OAUTHCLI_')) continue;
    if (K === 'BROWSER' || K === 'NO_COLOR' || K === 'FORCE_COLOR' || K === 'CI') continue;
    env[k] = v;
  }
  return env;
}

/**
 * A temp HOME and OAUTHCLI_CONFIG_DIR, and an env for the CLI pointing at them.
 * XDG_* dirs are pointed into the sandbox too so nothing touches the real profile.
 * DBUS_SESSION_BUS_ADDRESS is kept: the real (session) keychain is used.
 */
export function makeSandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'oauthcli-test-'));
  const home = join(root, 'home');
  const configDir = join(root, 'config');
  mkdirSync(home, { recursive: true });
  // The user's own folder, writable by nobody else whatever the umask (oauthcli refuses any other).
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  const env: Env = {
    ...sanitizeEnv(process.env),
    HOME: home,
    USERPROFILE: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    OAUTHCLI_CONFIG_DIR: configDir,
    OAUTHCLI_GITHUB_CLIENT_ID: 'test-client-id',
  };
  return {
    root,
    home,
    configDir,
    env,
    cleanup() {
      forgetStoredAccounts(configDir);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Deletes the keychain items of the accounts a sandbox's config lists. The keychain is the whole
 * suite's and accounts are named by host and port: a later sandbox whose fake server gets this
 * port must not find these sign-ins (a "nothing stored" test once did).
 */
function forgetStoredAccounts(configDir: string): void {
  let accounts: string[];
  try {
    accounts = Object.keys((JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as { accounts?: object }).accounts ?? {});
  } catch {
    return; // no config (nothing stored), or one a test corrupted on purpose
  }
  for (const account of accounts) spawnSync('secret-tool', ['clear', 'service', 'oauthcli', 'username', account], { timeout: 15_000 });
}

function spawnCli(args: string[], opts: RunOptions): ChildProcessWithoutNullStreams {
  const env = opts.env ?? sanitizeEnv(process.env);
  const cleanEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) cleanEnv[k] = v;
  return spawn(process.execPath, [opts.bin ?? CLI_BIN, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: cleanEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Start the CLI and interact with it (prompts, Ctrl-C, reading the device code / URL). */
export function startCli(args: string[], opts: RunOptions = {}): RunningCli {
  const child = spawnCli(args, opts);
  let out = '';
  let err = '';
  let done = false;
  let timedOut = false;
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const l of [...listeners]) l();
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    out += d;
    notify();
  });
  child.stderr.on('data', (d: string) => {
    err += d;
    notify();
  });
  // EPIPE when writing to a child that already exited is not a test failure by itself.
  child.stdin.on('error', () => {});

  const timeoutMs = opts.timeoutMs ?? 20000;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);

  const exited = new Promise<CliResult>((resolveExit, rejectExit) => {
    child.once('error', (e) => {
      clearTimeout(timer);
      done = true;
      notify();
      rejectExit(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      done = true;
      notify();
      resolveExit({ code, signal, stdout: out, stderr: err, timedOut });
    });
  });
  // Avoid unhandled rejection noise if the caller never awaits `exited`.
  exited.catch(() => {});

  if (opts.input !== undefined) {
    child.stdin.end(opts.input);
  }

  const waitFor = (which: 'stdout' | 'stderr', re: RegExp, ms = 10000): Promise<RegExpMatchArray> =>
    new Promise((resolveWait, rejectWait) => {
      const check = (): boolean => {
        const text = stripAnsi(which === 'stdout' ? out : err);
        const m = text.match(re);
        if (m) {
          cleanup();
          resolveWait(m);
          return true;
        }
        if (done) {
          cleanup();
          rejectWait(
            new Error(`CLI exited (code ${String(child.exitCode)}, signal ${String(child.signalCode)}) before ${which} matched ${String(re)}\n--- stdout ---\n${out}\n--- stderr ---\n${err}`),
          );
          return true;
        }
        return false;
      };
      const t = setTimeout(() => {
        cleanup();
        rejectWait(new Error(`timed out after ${ms} ms waiting for ${which} to match ${String(re)}\n--- stdout ---\n${out}\n--- stderr ---\n${err}`));
      }, ms);
      const listener = (): void => {
        check();
      };
      const cleanup = (): void => {
        clearTimeout(t);
        listeners.delete(listener);
      };
      listeners.add(listener);
      check();
    });

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForStderr: (re, ms) => waitFor('stderr', re, ms),
    waitForStdout: (re, ms) => waitFor('stdout', re, ms),
    write(text) {
      child.stdin.write(text);
    },
    end() {
      child.stdin.end();
    },
    kill(signal = 'SIGINT') {
      return child.kill(signal);
    },
    exited,
  };
}

/** Run the CLI to completion. stdin gets `input` (if any) and is then closed. */
export async function runCli(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  const running = startCli(args, opts);
  if (opts.input === undefined) running.end();
  return running.exited;
}

export interface KeychainEntry {
  /** The `username` attribute (keyring-rs "user"/account). */
  account: string;
  secret: string;
  /** All attributes of the item (service, username, ...). */
  attributes: Record<string, string>;
  label?: string | undefined;
}

function execText(cmd: string, args: string[], env?: Env): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolveExec, rejectExec) => {
    execFile(cmd, args, { env: (env ?? process.env) as NodeJS.ProcessEnv, maxBuffer: 16 * 1024 * 1024, timeout: 15000 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        rejectExec(new Error(`${cmd} not found (install libsecret-tools)`));
        return;
      }
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolveExec({ stdout: String(stdout), stderr: String(stderr), code });
    });
  });
}

/**
 * Entries stored by @napi-rs/keyring under `service` in the Secret Service (Linux).
 *
 * Empirically (@napi-rs/keyring 2.x → keyring-rs, secret-service backend), an
 * `Entry(service, account)` is an item labelled `keyring:<account>@<service>` with
 * attributes `service=<service>` and `username=<account>` (some versions add `target`).
 *
 * `secret-tool search --all --unlock service X` prints `[path]`, `label = …`,
 * `secret = …` (may span lines), `created = …`, `modified = …` to STDOUT but the
 * `attribute.<name> = <value>` lines to STDERR, so the two are parsed separately
 * and each secret is re-read exactly with `secret-tool lookup`.
 */
export async function keychainEntries(service = 'oauthcli', env?: Env): Promise<KeychainEntry[]> {
  // Other test files add and delete entries at the same time; an item deleted between secret-tool
  // listing it and reading it makes the whole search fail, so a failed search is tried again.
  let res = await execText('secret-tool', ['search', '--all', '--unlock', 'service', service], env);
  for (let attempt = 1; attempt < 5 && res.code !== 0 && /No such|not found/i.test(res.stderr); attempt++) {
    await new Promise((r) => setTimeout(r, 50 * attempt));
    res = await execText('secret-tool', ['search', '--all', '--unlock', 'service', service], env);
  }
  // secret-tool exits 1 with no output when nothing matches.
  const items: Array<{ label?: string | undefined; secret: string }> = [];
  let cur: { label?: string | undefined; secretLines: string[]; inSecret: boolean } | undefined;
  const flush = (): void => {
    if (cur) items.push({ label: cur.label, secret: cur.secretLines.join('\n') });
  };
  for (const line of res.stdout.split('\n')) {
    if (/^\[[^\]]*\]$/.test(line)) {
      flush();
      cur = { secretLines: [], inSecret: false };
      continue;
    }
    if (!cur) continue;
    if (line.startsWith('label = ')) {
      cur.label = line.slice(8);
      cur.inSecret = false;
    } else if (line.startsWith('secret = ')) {
      cur.secretLines = [line.slice(9)];
      cur.inSecret = true;
    } else if (/^(created|modified|schema) = /.test(line)) {
      cur.inSecret = false;
    } else if (cur.inSecret) {
      cur.secretLines.push(line);
    }
  }
  flush();

  const attrSets: Array<Record<string, string>> = [];
  let attrs: Record<string, string> | undefined;
  for (const line of res.stderr.split('\n')) {
    const m = /^attribute\.([^ ]+) = (.*)$/.exec(line);
    if (!m) continue;
    const [, name, value] = m as unknown as [string, string, string];
    if (!attrs || name in attrs) {
      attrs = {};
      attrSets.push(attrs);
    }
    attrs[name] = value;
  }
  if (items.length === 0 && attrSets.length === 0) {
    // No match: exit 0 and no output. Anything else (no session bus, locked keyring) is an error.
    if (res.code !== 0) throw new Error(`secret-tool search failed (exit ${res.code}): ${res.stderr.trim()}`);
    return [];
  }

  const entries: KeychainEntry[] = [];
  const n = Math.max(items.length, attrSets.length);
  for (let i = 0; i < n; i++) {
    const a = attrSets[i] ?? {};
    const labelAccount = /^keyring:(.*)@[^@]*$/.exec(items[i]?.label ?? '')?.[1];
    const account = a.username ?? a.account ?? a.user ?? labelAccount ?? '';
    let secret = items[i]?.secret ?? '';
    if (a.username !== undefined) {
      // exact bytes (no trailing-newline ambiguity)
      const looked = await execText('secret-tool', ['lookup', 'service', a.service ?? service, 'username', a.username], env);
      if (looked.code === 0) secret = looked.stdout;
    }
    entries.push({ account, secret, attributes: a, label: items[i]?.label });
  }
  return entries;
}

/** Delete the keychain item of one account, if there is one (test keyrings only!). */
export async function clearKeychainAccount(account: string, service = 'oauthcli', env?: Env): Promise<void> {
  await execText('secret-tool', ['clear', 'service', service, 'username', account], env);
}

/** Delete every keychain item of `service` (test keyrings only!). */
export async function clearKeychain(service = 'oauthcli', env?: Env): Promise<void> {
  await execText('secret-tool', ['clear', 'service', service], env);
}

/**
 * Every regular file under `dir` (recursively, not following symlinks) whose
 * bytes contain `needle` (UTF-8). Returns absolute paths. Missing dir → [].
 */
export function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const needleBuf = Buffer.from(needle, 'utf8');
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        try {
          if (readFileSync(p).includes(needleBuf)) hits.push(p);
        } catch {
          /* unreadable → ignore */
        }
      }
    }
  };
  walk(resolve(dir));
  return hits;
}
