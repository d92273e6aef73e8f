/**
 * Git's smart HTTP protocol, served by git's own CGI program (git-http-backend), behind
 * HTTP Basic auth the way github.com serves `/<owner>/<repo>.git/...`. It lets a test run the
 * real `git clone` / `git push` against a fake server and so check a git credential helper end
 * to end: git asks the helper, sends Basic credentials, and the server decides.
 *
 * References: git-http-backend(1) (its CGI environment), RFC 3875 (CGI/1.1), RFC 7617
 * (Basic auth), gitprotocol-http(5).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { join } from 'node:path';

/** Debian's (and most distributions') location of the CGI program. */
export const GIT_HTTP_BACKEND = process.env.GIT_HTTP_BACKEND ?? '/usr/lib/git-core/git-http-backend';

/** A git directory under the project root, as github.com names them: /<owner>/<repo>.git/... */
export const GIT_PATH = /^\/[^/]+\/[^/]+\.git(\/|$)/;

/** True when `path` (no query) looks like git traffic for a repository, e.g. /octo/hello.git/info/refs. */
export function isGitPath(path: string): boolean {
  return GIT_PATH.test(path);
}

/**
 * An environment for running git (server- or client-side) that no user or system config
 * leaks into: git reads $HOME/.gitconfig and $XDG_CONFIG_HOME/git/config (git-config(1)
 * FILES), and /etc/gitconfig unless GIT_CONFIG_NOSYSTEM is set.
 */
export function isolatedGitEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    LANG: 'C',
    LC_ALL: 'C',
    // Never ask on a terminal (git(1) GIT_TERMINAL_PROMPT): a missing credential must fail, not hang.
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

/** HOME for server-side git: a directory that does not exist, so there is no config to read. */
const NO_HOME = '/nonexistent';

export interface BareRepoOptions {
  /** Commit a README.md on `main` (a bare repository has no work tree, so plumbing builds it). */
  initialCommit?: boolean;
}

/** Creates `<root>/<owner>/<name>.git`, a bare repository whose HEAD is `main`; returns its path. */
export function createBareRepo(root: string, owner: string, name: string, options: BareRepoOptions = {}): string {
  const dir = join(root, owner, `${name}.git`);
  mkdirSync(dir, { recursive: true });
  const when = '1700000000 +0000';
  const env = isolatedGitEnv(NO_HOME, {
    GIT_AUTHOR_NAME: 'Octo Cat',
    GIT_AUTHOR_EMAIL: 'octocat@example.com',
    GIT_AUTHOR_DATE: when,
    GIT_COMMITTER_NAME: 'Octo Cat',
    GIT_COMMITTER_EMAIL: 'octocat@example.com',
    GIT_COMMITTER_DATE: when,
  });
  const git = (args: string[], input?: string) =>
    execFileSync('git', args, { cwd: dir, env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
  git(['init', '--quiet', '--bare', '--initial-branch=main']);
  if (options.initialCommit) {
    const blob = git(['hash-object', '-w', '--stdin'], `# ${owner}/${name}\n`);
    const tree = git(['mktree'], `100644 blob ${blob}\tREADME.md\n`);
    const commit = git(['commit-tree', tree, '-m', 'Initial commit']);
    git(['update-ref', 'refs/heads/main', commit]);
  }
  return dir;
}

export interface GitRequestRecord {
  method: string;
  /** URL path below pathPrefix (what becomes PATH_INFO), without the query. */
  path: string;
  /** git-upload-pack (fetch/clone), git-receive-pack (push), … or null (dumb-protocol file). */
  service: string | null;
  /** User name from the Basic credentials, or null when none were sent. */
  username: string | null;
  /** False when the server answered 401. */
  authorized: boolean;
  /** HTTP status of the answer. */
  status: number;
}

export interface ServeGitOptions {
  /** Directory holding `<owner>/<repo>.git` (GIT_PROJECT_ROOT). */
  projectRoot: string;
  /** Decides Basic credentials; github.com takes any user name and a token as the password. */
  authenticate(username: string, password: string): boolean | Promise<boolean>;
  /** Called once per request, when its status is known. */
  onRequest?(record: GitRequestRecord): void;
}

/** RFC 7617 §2: "Basic " base64(user-id ":" password); the user id cannot contain a colon. */
function basicCredentials(header: string | undefined): { username: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** gitprotocol-http(5): `info/refs?service=<name>` to discover refs, then POST `/<name>`. */
export function serviceOf(path: string, query: URLSearchParams): string | null {
  if (path.endsWith('/info/refs')) return query.get('service');
  return /\/(git-[a-z-]+)$/.exec(path)?.[1] ?? null;
}

function plain(res: ServerResponse, status: number, text: string, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(`${text}\n`);
}

/**
 * Answers one git request: Basic auth first, then git-http-backend as a CGI program with the
 * request body streamed to its stdin and its stdout (CGI headers, then body) streamed back.
 * Resolves when the answer is complete.
 */
export async function serveGit(req: IncomingMessage, res: ServerResponse, options: ServeGitOptions): Promise<GitRequestRecord> {
  const url = new URL(req.url ?? '/', 'http://git.invalid');
  const credentials = basicCredentials(req.headers.authorization);
  const record: GitRequestRecord = {
    method: req.method ?? 'GET',
    path: url.pathname,
    service: serviceOf(url.pathname, url.searchParams),
    username: credentials?.username ?? null,
    authorized: false,
    status: 0,
  };
  const finish = (status: number) => {
    record.status = status;
    options.onRequest?.(record);
    return record;
  };

  record.authorized = credentials !== null && (await options.authenticate(credentials.username, credentials.password));
  if (!record.authorized) {
    req.resume(); // discard any body so the connection can be reused
    // RFC 9110 §11.6.1: a 401 carries the challenge; git then asks its credential helpers.
    plain(res, 401, 'Authentication required', { 'www-authenticate': 'Basic realm="GitHub"' });
    return finish(401);
  }

  let pathInfo: string;
  try {
    pathInfo = decodeURIComponent(record.path); // RFC 3875 §4.1.5: PATH_INFO is not URL-encoded
  } catch {
    plain(res, 400, 'Bad Request');
    return finish(400);
  }
  return finish(await runBackend(req, res, cgiEnv(req, url, pathInfo, credentials!.username, options)));
}

/** The CGI/1.1 meta-variables (RFC 3875 §4.1) and the git-specific ones git-http-backend(1) reads. */
function cgiEnv(req: IncomingMessage, url: URL, pathInfo: string, username: string, options: ServeGitOptions): Record<string, string> {
  const env: Record<string, string> = {
    ...isolatedGitEnv(NO_HOME),
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    SERVER_SOFTWARE: 'oauthcli-test',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: pathInfo,
    QUERY_STRING: url.search.slice(1),
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    // Authenticated: git-http-backend enables receive-pack (push) when REMOTE_USER is non-empty.
    REMOTE_USER: username || 'git',
    AUTH_TYPE: 'Basic',
    GIT_PROJECT_ROOT: options.projectRoot,
    // Serve every repository without a git-daemon-export-ok file in it.
    GIT_HTTP_EXPORT_ALL: '1',
  };
  if (req.headers['content-type']) env.CONTENT_TYPE = req.headers['content-type'];
  // Without CONTENT_LENGTH (chunked uploads: git sends large packs that way) the backend reads
  // to EOF, which it sees when the request body ends and stdin is closed.
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  // RFC 3875 §4.1.18: other request headers become HTTP_*; this carries Content-Encoding
  // (gzip request bodies) and Git-Protocol (protocol v2). Credentials stay out.
  for (const [name, value] of Object.entries(req.headers)) {
    if (['authorization', 'content-type', 'content-length', 'proxy-authorization'].includes(name) || value === undefined) continue;
    env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = Array.isArray(value) ? value.join(', ') : value;
  }
  return env;
}

/** Runs git-http-backend and relays its answer; resolves with the HTTP status, once it is sent. */
function runBackend(req: IncomingMessage, res: ServerResponse, env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(GIT_HTTP_BACKEND, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let head = Buffer.alloc(0);
    let status = 0;

    child.on('error', (err) => (stderr += `${err}\n`));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    // The backend may answer (and exit) before reading the whole body, e.g. with a 404.
    child.stdin.on('error', () => {});
    req.pipe(child.stdin);
    // A client that hangs up mid-answer leaves nobody to read the output. (After a complete
    // answer the backend may still be busy, e.g. with receive-pack's `gc --auto`: leave it be.)
    res.on('close', () => res.writableFinished || child.kill());

    const readHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      // RFC 3875 §6.2: header lines end in LF or CRLF, and a blank line ends them.
      const end = /\r?\n\r?\n/.exec(head.toString('latin1'));
      if (!end) return;
      const headers: OutgoingHttpHeaders = {};
      status = 200; // RFC 3875 §6.3.3: no Status field means 200
      for (const line of head.subarray(0, end.index).toString('latin1').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (name === 'status') status = Number.parseInt(value, 10) || 500;
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end.index + end[0].length));
      child.stdout.off('data', readHead);
      child.stdout.pipe(res);
      // Recorded as the answer starts, not when the backend exits: receive-pack may run
      // `gc --auto` after git has its answer, and a test reads the records once git is done.
      resolve(status);
    };
    child.stdout.on('data', readHead);

    child.on('close', (code) => {
      if (!status) {
        status = 500;
        plain(res, 500, `git-http-backend exited with ${code} before sending headers\n${stderr}`);
      }
      resolve(status);
    });
  });
}
