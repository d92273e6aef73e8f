// `{owner}`, `{repo}` and `{branch}` in an `api` endpoint, filled as gh fills them (cli/cli
// pkg/cmd/api fillPlaceholders): from GH_REPO ([HOST/]OWNER/REPO) or --repo when given, else from
// the current git repository's remote (the first of upstream, github, origin, then the others,
// preferring one on the account's host), and the checked-out branch. Asks git itself.
import { execFile } from 'node:child_process';
import { failure, usageError } from '../errors.js';

const PLACEHOLDER = /\{(owner|repo|branch)\}/g;
const REMOTE_ORDER = ['upstream', 'github', 'origin'];

export interface RepoContextDeps {
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

export function hasPlaceholders(endpoint: string): boolean {
  return /\{(owner|repo|branch)\}/.test(endpoint);
}

/** The endpoint with its placeholders filled; `host` is the account's (a remote there is preferred). */
export async function fillPlaceholders(deps: RepoContextDeps, endpoint: string, options: { repo?: string | undefined; host: string }): Promise<string> {
  if (!hasPlaceholders(endpoint)) return endpoint;
  const needsRepo = /\{(owner|repo)\}/.test(endpoint);
  const base = needsRepo ? await baseRepo(deps, options) : undefined;
  const branch = endpoint.includes('{branch}') ? await currentBranch(deps) : undefined;
  // A branch's slashes stay path separators, as gh leaves them; anything else that would end the path is escaped.
  const escape = (value: string) => encodeURIComponent(value).replace(/%2F/g, '/');
  return endpoint.replace(PLACEHOLDER, (_m, name: string) => escape(name === 'owner' ? base!.owner : name === 'repo' ? base!.name : branch!));
}

/** OWNER/NAME from --repo, GH_REPO, or the remotes. */
async function baseRepo(deps: RepoContextDeps, options: { repo?: string | undefined; host: string }): Promise<{ owner: string; name: string }> {
  const given = options.repo ?? deps.env.GH_REPO;
  if (given) {
    const parts = given.replace(/\.git$/, '').split('/');
    const [owner, name] = parts.slice(-2);
    if (parts.length < 2 || parts.length > 3 || !owner || !name) throw usageError(`invalid ${options.repo ? '--repo' : 'GH_REPO'} '${given}' (OWNER/REPO or HOST/OWNER/REPO)`, 'bad_repo');
    return { owner, name };
  }
  await git(deps, ['rev-parse', '--git-dir']).catch((error: unknown) => {
    throw outsideRepository(error);
  });
  // No remote at all: git config exits 1 with nothing to say.
  const config = await git(deps, ['config', '--get-regexp', '^remote\\..*\\.url$']).catch(() => '');
  const remotes = config
    .split('\n')
    .map((line) => /^remote\.(.+)\.url (.+)$/.exec(line.trim()))
    .flatMap((m) => (m ? [{ remote: m[1]!, url: parseRemoteUrl(m[2]!) }] : []))
    .flatMap((r) => (r.url ? [{ remote: r.remote, ...r.url }] : []));
  const rank = (remote: string) => (REMOTE_ORDER.includes(remote) ? REMOTE_ORDER.indexOf(remote) : REMOTE_ORDER.length);
  remotes.sort((a, b) => Number(b.host === options.host) - Number(a.host === options.host) || rank(a.remote) - rank(b.remote));
  const chosen = remotes[0];
  if (!chosen) throw failure("{owner} and {repo} need a git remote (or GH_REPO / --repo OWNER/REPO): this repository has none on a host oauthcli can read", { code: 'no_remote' });
  return chosen;
}

/** https://host/owner/repo(.git), ssh://git@host/owner/repo.git, git@host:owner/repo.git. */
export function parseRemoteUrl(text: string): { host: string; owner: string; name: string } | undefined {
  let host: string;
  let path: string;
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(text);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    host = scp[1]!;
    path = scp[2]!;
  } else {
    try {
      const u = new URL(text);
      host = u.host;
      path = u.pathname;
    } catch {
      return undefined;
    }
  }
  const parts = path.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '').split('/');
  if (parts.length < 2) return undefined;
  const [owner, name] = parts.slice(-2) as [string, string];
  return owner && name ? { host: host.toLowerCase(), owner, name } : undefined;
}

async function currentBranch(deps: RepoContextDeps): Promise<string> {
  const branch = await git(deps, ['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(async (error: unknown) => {
    // Inside a repository with a detached HEAD, or not in one at all.
    const inside = await git(deps, ['rev-parse', '--is-inside-work-tree']).catch(() => '');
    if (inside.trim() !== 'true') throw outsideRepository(error);
    throw failure('{branch} needs a checked-out branch: HEAD is detached', { code: 'detached_head' });
  });
  return branch.trim();
}

function outsideRepository(error: unknown): Error {
  const why = error instanceof Error && /not a git repository/i.test(error.message) ? 'not in a git repository' : 'git could not say which repository this is';
  return failure(`{owner}, {repo} and {branch} are filled from the current git repository: ${why} (set GH_REPO or use --repo OWNER/REPO)`, { code: 'not_a_repository' });
}

function git(deps: RepoContextDeps, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { env: deps.env, cwd: deps.cwd ?? process.cwd(), timeout: 15_000, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(String(stderr || error.message)));
      else resolve(String(stdout));
    });
  });
}
