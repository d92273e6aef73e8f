// Shared set-up for end-to-end tests: a fake GitHub, a sandboxed HOME/config, the built CLI (the
// "lab": not to be confused with the CLI's own World, src/cli/world.ts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from '../support/github-server.js';
import { clearKeychainAccount, makeSandbox, runCli, startCli, type CliResult, type Env, type RunOptions, type Sandbox } from '../support/cli.js';

export interface GitHubLab {
  server: FakeGitHub;
  sandbox: Sandbox;
  host: string;
  env: Env;
  /** Runs the CLI with --hostname appended where a command takes it. */
  cli(args: string[], opts?: RunOptions): Promise<CliResult>;
  start(args: string[], opts?: RunOptions): ReturnType<typeof startCli>;
  config(): { accounts: Record<string, Record<string, unknown>>; active: Record<string, string> };
  /** Device-flow sign-in with no pending polls: the quickest real login. */
  signIn(login?: string, extraArgs?: string[]): Promise<CliResult>;
  close(): Promise<void>;
}

export async function setUp(options: FakeGitHubOptions = {}): Promise<GitHubLab> {
  const server = await startFakeGitHub({ device: { pendingPolls: 0 }, ...options });
  // Accounts are named by host, port included, in the suite's one keychain. Sandboxes forget what
  // they stored (makeSandbox), but a world whose config a test corrupted, or one set up without
  // a sandbox, cannot: so a world starts with no sign-in for its host.
  await Promise.all(server.users.map((u) => clearKeychainAccount(`github:${server.host}:${u.login}`))).catch(() => undefined);
  const sandbox = makeSandbox();
  const env: Env = { ...sandbox.env };
  const world: GitHubLab = {
    server,
    sandbox,
    host: server.host,
    env,
    cli: (args, opts = {}) => runCli(args, { env: world.env, ...opts, ...(opts.env ? { env: { ...world.env, ...opts.env } } : {}) }),
    start: (args, opts = {}) => startCli(args, { env: world.env, ...opts, ...(opts.env ? { env: { ...world.env, ...opts.env } } : {}) }),
    config() {
      // No config file yet: nothing was ever stored.
      const file = join(sandbox.configDir, 'config.json');
      return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { accounts: {}, active: {}, providers: {} };
    },
    async signIn(login, extraArgs = []) {
      if (login) {
        if (!server.users.some((u) => u.login === login)) server.addUser({ login, id: 1000 + server.users.length, name: login, email: `${login}@example.com` });
        server.setDevice({ login, outcome: 'approve', pendingPolls: 0 });
      }
      const res = await world.cli(['login', 'github', '--device', '--no-browser', '--hostname', server.host, ...extraArgs]);
      if (res.code !== 0) throw new Error(`sign-in failed (${res.code}): ${res.stderr}`);
      return res;
    },
    async close() {
      await server.close();
      sandbox.cleanup();
    },
  };
  return world;
}

export function accountKeyFor(world: GitHubLab, login = 'octocat'): string {
  return `github:${world.host}:${login}`;
}
