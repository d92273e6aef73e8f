import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBareRepo, isGitPath, isolatedGitEnv, serveGit } from '../support/git-http.js';
import type { GitRequestRecord } from '../support/git-http.js';

const helper = (password: string) => `credential.helper=!f() { echo username=x; echo password=${password}; }; f`;

describe('git smart HTTP (git-http.ts)', () => {
  let tmp: string;
  let projectRoot: string;
  let server: Server;
  let base: string;
  let env: Record<string, string>;
  const records: GitRequestRecord[] = [];
  const encodings: string[] = [];
  const chunked: string[] = [];

  /** Runs git as a user would, without a terminal; resolves with its exit code and output. */
  const git = (args: string[], cwd = tmp) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      execFile('git', args, { cwd, env, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, out: stdout + stderr }),
      );
    });

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'oauthcli-git-test-'));
    projectRoot = join(tmp, 'srv');
    const hello = createBareRepo(projectRoot, 'octo', 'hello', { initialCommit: true });
    createBareRepo(projectRoot, 'octo', 'empty');
    // Many branches make clone's want-list big enough (> 1 KiB) for git to gzip the request.
    const main = execFileSync('git', ['rev-parse', 'main'], { cwd: hello, encoding: 'utf8' }).trim();
    for (let i = 0; i < 40; i++) execFileSync('git', ['update-ref', `refs/heads/topic-with-a-long-name-${i}`, main], { cwd: hello });

    server = createServer((req, res) => {
      if (req.headers['content-encoding']) encodings.push(req.headers['content-encoding']);
      if (req.headers['transfer-encoding'] === 'chunked') chunked.push(req.url!);
      if (!isGitPath(new URL(req.url!, 'http://x').pathname)) return void res.writeHead(404).end();
      void serveGit(req, res, { projectRoot, authenticate: (_u, p) => p === 'secret', onRequest: (r) => records.push({ ...r }) });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    env = isolatedGitEnv(join(tmp, 'home'), {
      GIT_AUTHOR_NAME: 'T',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 'T',
      GIT_COMMITTER_EMAIL: 't@example.com',
    });
  });
  afterAll(() => {
    server?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('clones with credentials from a helper, after a 401 challenge', async () => {
    records.length = 0;
    const r = await git(['-c', helper('secret'), 'clone', `${base}/octo/hello.git`, 'hello']);
    expect(r).toMatchObject({ code: 0 });
    expect(execFileSync('git', ['log', '--format=%s', 'main'], { cwd: join(tmp, 'hello'), env, encoding: 'utf8' })).toBe('Initial commit\n');
    expect(records[0]).toEqual({ method: 'GET', path: '/octo/hello.git/info/refs', service: 'git-upload-pack', username: null, authorized: false, status: 401 });
    expect(records.slice(1)).toContainEqual({ method: 'GET', path: '/octo/hello.git/info/refs', service: 'git-upload-pack', username: 'x', authorized: true, status: 200 });
    expect(records.slice(1)).toContainEqual({ method: 'POST', path: '/octo/hello.git/git-upload-pack', service: 'git-upload-pack', username: 'x', authorized: true, status: 200 });
    expect(encodings).toContain('gzip');
  });

  it('pushes a commit (streamed in chunks when large) as the authenticated user', async () => {
    records.length = 0;
    const work = join(tmp, 'hello');
    // Incompressible and bigger than http.postBuffer, so git sends the pack chunked, without Content-Length.
    writeFileSync(join(work, 'blob.bin'), randomBytes(200_000));
    expect(await git(['add', 'blob.bin'], work)).toMatchObject({ code: 0 });
    expect(await git(['commit', '-q', '-m', 'Add blob'], work)).toMatchObject({ code: 0 });
    const r = await git(['-c', helper('secret'), '-c', 'http.postBuffer=65536', 'push', 'origin', 'main'], work);
    expect(r).toMatchObject({ code: 0 });
    expect(records).toContainEqual(expect.objectContaining({ method: 'POST', path: '/octo/hello.git/git-receive-pack', authorized: true, status: 200 }));
    const served = execFileSync('git', ['log', '--format=%s', 'main'], { cwd: join(projectRoot, 'octo', 'hello.git'), encoding: 'utf8' });
    expect(served).toBe('Add blob\nInitial commit\n');
    expect(chunked).toContain('/octo/hello.git/git-receive-pack');
  });

  it('pushes the first commit to an empty repository', async () => {
    const work = join(tmp, 'fresh');
    expect(await git(['init', '-q', '-b', 'main', work])).toMatchObject({ code: 0 });
    writeFileSync(join(work, 'a.txt'), 'a\n');
    await git(['add', 'a.txt'], work);
    await git(['commit', '-q', '-m', 'first'], work);
    expect(await git(['-c', helper('secret'), 'push', `${base}/octo/empty.git`, 'main'], work)).toMatchObject({ code: 0 });
  });

  it('a wrong password fails with an authentication error and no prompt', async () => {
    records.length = 0;
    const r = await git(['-c', helper('wrong'), 'clone', `${base}/octo/hello.git`, 'nope']);
    expect(r.code).toBe(128);
    expect(r.out).toMatch(/Authentication failed for '.*\/octo\/hello\.git\/'/);
    expect(records.map((x) => [x.username, x.authorized, x.status])).toEqual([
      [null, false, 401],
      ['x', false, 401],
    ]);
  });

  it('no credentials at all fails without prompting', async () => {
    const r = await git(['ls-remote', `${base}/octo/hello.git`]);
    expect(r.code).toBe(128);
    expect(r.out).toMatch(/could not read Username|terminal prompts disabled/);
  });

  it('an unknown repository is 404 once authenticated', async () => {
    const r = await git(['-c', helper('secret'), 'ls-remote', `${base}/octo/missing.git`]);
    expect(r.code).toBe(128);
    expect(r.out).toMatch(/not found/i);
  });
});
