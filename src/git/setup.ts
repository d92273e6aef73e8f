// `setup-git`: make git ask oauthcli for the credentials of a host, in the user's global git
// config (GIT_CONFIG_GLOBAL when set: git itself honours it). As gh does, an empty `helper`
// line comes first, so no helper configured more generally (a credential store, a keychain
// helper) answers for this host before us; running it twice changes nothing; `--remove` undoes
// exactly what it added.
import { execFile } from 'node:child_process';
import { failure } from '../errors.js';
import { selfCommand } from '../launcher.js';
import { originFor } from '../http/insecure-hosts.js';

export interface GitRunner {
  (args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** Runs git with the process's environment (HOME, GIT_CONFIG_GLOBAL, …). */
export function systemGit(env: NodeJS.ProcessEnv): GitRunner {
  return (args) =>
    new Promise((resolve, reject) => {
      execFile('git', args, { env, timeout: 15_000 }, (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') return reject(failure('git is not installed (or not on PATH)', { code: 'no_git' }));
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      });
    });
}

/** `credential.https://HOST.helper`: https, or http for a loopback test host. */
export function helperKey(host: string): string {
  return `credential.${originFor(host)}.helper`;
}

/**
 * How git should start us: `oauthcli` when that name on PATH is this very program (an npm global
 * install), else this Node and this script by absolute path (a checkout, npx, a moved install).
 */
export function helperCommand(env: NodeJS.ProcessEnv, script = process.argv[1] ?? '', node = process.execPath): string {
  const self = selfCommand(env, script, node);
  if (self.args.length === 0) return '!oauthcli git-credential';
  return `!${[self.command, ...self.args].map(shellQuote).join(' ')} git-credential`;
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

const OUR_HELPER = /(^|[\s/'!])oauthcli(\.js)?'? git-credential$/;

/** Whether git already asks oauthcli (by this command, or any oauthcli's) for every one of these hosts. */
export async function isSetUp(git: GitRunner, hosts: string[], command: string): Promise<boolean> {
  for (const host of hosts) {
    const res = await git(['config', '--global', '--get-all', helperKey(host)]);
    if (res.code !== 0 || !res.stdout.split('\n').some((v) => v === command || OUR_HELPER.test(v))) return false;
  }
  return true;
}

/** Sets oauthcli up as the helper for each host; returns the config keys it wrote. */
export async function setUpGit(git: GitRunner, hosts: string[], command: string): Promise<string[]> {
  const keys: string[] = [];
  for (const host of hosts) {
    const key = helperKey(host);
    // --replace-all: whatever was there for this exact URL gives way to the empty line and us.
    await checked(git, ['config', '--global', '--replace-all', key, '']);
    await checked(git, ['config', '--global', '--add', key, command]);
    keys.push(key);
  }
  return keys;
}

/**
 * Removes what setUpGit wrote for each host (the empty line and our helper: `command`, what this
 * program writes, or any oauthcli's), nothing else; returns the keys it changed.
 */
export async function removeGitSetup(git: GitRunner, hosts: string[], command: string): Promise<string[]> {
  const changed: string[] = [];
  for (const host of hosts) {
    const key = helperKey(host);
    const res = await git(['config', '--global', '--get-all', key]);
    const values = res.code === 0 ? res.stdout.split('\n').slice(0, -1) : [];
    const kept = values.filter((v) => v !== command && !OUR_HELPER.test(v) && v !== '');
    if (kept.length === values.length) continue;
    await checked(git, ['config', '--global', '--unset-all', key]).catch(() => undefined);
    // Helpers the user added for this URL stay, in their order (without our empty line, they follow the general ones again).
    for (const value of kept) await checked(git, ['config', '--global', '--add', key, value]);
    changed.push(key);
  }
  return changed;
}

async function checked(git: GitRunner, args: string[]): Promise<void> {
  const res = await git(args);
  if (res.code !== 0) throw failure(`git ${args.slice(0, 3).join(' ')} failed: ${res.stderr.trim().split('\n')[0] || `exit ${res.code}`}`, { code: 'git_config_failed' });
}
