// Small shared set-up for the end-to-end tests of the non-GitHub providers (oidc, google,
// gitlab, linked): a sandboxed HOME/config, the built CLI, a stand-in browser command that
// records the URLs it is given, and readers for the keychain and the config file.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { makeSandbox, runCli, startCli, type CliResult, type Env, type RunOptions, type RunningCli, type Sandbox } from '../support/cli.js';
import { standInBrowser } from '../support/stand-in-browser.js';

/** Generous: the CI machines are small and busy. */
export const WAIT_MS = 20_000;

export interface TokenSetJson {
  accessToken: string;
  tokenType: string;
  refreshToken?: string;
  expiresAt?: string;
  scopes: string[];
  idToken?: string;
}

export interface ConfigJson {
  accounts: Record<string, Record<string, unknown>>;
  active: Record<string, string>;
  providers: Record<string, Record<string, unknown>>;
  current?: string;
  profile?: { id: string };
}

export interface CliWorld {
  sandbox: Sandbox;
  env: Env;
  /** The stand-in browser: a script that appends its last argument (the URL) to `openedFile`. */
  browserCommand: string;
  openedFile: string;
  cli(args: string[], opts?: RunOptions): Promise<CliResult>;
  start(args: string[], opts?: RunOptions): RunningCli;
  config(): ConfigJson;
  /** The token set stored in the keychain for an account key, if any. */
  stored(key: string): Promise<TokenSetJson | undefined>;
  /** Resolves with the first URL the stand-in browser was given; rejects if `cli` exits first. */
  openedUrl(cli: RunningCli, timeoutMs?: number): Promise<string>;
  /** Every URL the stand-in browser was given so far, in order. */
  openedUrls(): string[];
  /** Kills CLI processes still running and removes the sandbox. */
  close(): Promise<void>;
}

export function makeWorld(extraEnv: Env = {}): CliWorld {
  const sandbox = makeSandbox();
  const env: Env = { ...sandbox.env, ...extraEnv };
  const browser = standInBrowser(sandbox.root, 'urls');
  const { command: browserCommand, file: openedFile } = browser;
  const running = new Set<RunningCli>();
  const merge = (opts: RunOptions): RunOptions => ({ timeoutMs: 45_000, ...opts, env: { ...env, ...opts.env } });
  const world: CliWorld = {
    sandbox,
    env,
    browserCommand,
    openedFile,
    cli: (args, opts = {}) => runCli(args, merge(opts)),
    start(args, opts = {}) {
      const cli = startCli(args, merge(opts));
      running.add(cli);
      void cli.exited.finally(() => running.delete(cli));
      return cli;
    },
    config() {
      const file = join(sandbox.configDir, 'config.json');
      if (!existsSync(file)) return { accounts: {}, active: {}, providers: {} };
      return JSON.parse(readFileSync(file, 'utf8')) as ConfigJson;
    },
    async stored(key) {
      const secret = await keychainLookup(key);
      return secret === undefined ? undefined : (JSON.parse(secret) as TokenSetJson);
    },
    openedUrl: (cli, timeoutMs = WAIT_MS) => browser.first(cli, timeoutMs),
    openedUrls: () => browser.opened(),
    async close() {
      for (const cli of running) {
        if (cli.child.exitCode === null && cli.child.signalCode === null) cli.kill('SIGKILL');
        await cli.exited.catch(() => undefined);
      }
      sandbox.cleanup();
    },
  };
  return world;
}

/**
 * The secret of one account's keychain entry (service `oauthcli`, as @napi-rs/keyring writes it),
 * or undefined when there is none. Looks up that one item only: test/support/cli.ts's
 * keychainEntries() enumerates every `oauthcli` item, and fails when another test process deletes
 * one of them (e.g. the CLI's keychain probe) between its search and its reads.
 */
export function keychainLookup(account: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    execFile('secret-tool', ['lookup', 'service', 'oauthcli', 'username', account], { timeout: 15_000 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      // Exit 1 with nothing on stderr: no such item. Anything else is a broken keyring.
      if (error.code === 1 && stderr.trim() === '') return resolve(undefined);
      reject(new Error(`secret-tool lookup failed (${String(error.code)}): ${stderr.trim()}`));
    });
  });
}

/** The last line of stderr: where a failing command says what went wrong. */
export const lastLine = (r: CliResult): string => r.stderr.trim().split('\n').at(-1) ?? '';

/** A failing command's contract: one `oauthcli: …` line on stderr, no stack trace, nothing on stdout. */
export function expectOneErrorLine(r: CliResult, pattern: RegExp): void {
  expect(r.stdout).toBe('');
  const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('oauthcli:'));
  expect(errorLines, r.stderr).toHaveLength(1);
  expect(lastLine(r)).toBe(errorLines[0]);
  expect(lastLine(r)).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

/** The code and URL a device-flow login prints on stderr. */
export async function deviceCodeFrom(cli: RunningCli): Promise<{ userCode: string; verificationUri: string }> {
  const [, userCode] = await cli.waitForStderr(/one-time code: (\S+)/, WAIT_MS);
  const [, verificationUri] = await cli.waitForStderr(/Open this URL to continue in your web browser: (\S+)/, WAIT_MS);
  return { userCode: userCode!, verificationUri: verificationUri! };
}
