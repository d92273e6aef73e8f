// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// `oauthcli repos`: parallel pagination seen from outside (order, requests made, retries), the
// JSON and table outputs, closed pipes, flag validation, rate limits and the exit codes.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN } from '../support/cli.js';
import { rateLimitFault, type FaultSpec } from '../support/github-server.js';
import { until } from '../support/until.js';
import { setUp, type GitHubLab } from './harness.js';

const CONTRACT_FIELDS = ['full_name', 'name', 'private', 'fork', 'archived', 'description', 'html_url', 'language', 'stargazers_count', 'updated_at'];
const REPOS = '/api/v3/user/repos';
const expected = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `repo-${String(i + from).padStart(4, '0')}`);

let w: GitHubLab;
let token: string;
beforeAll(async () => {
  w = await setUp();
  await w.signIn();
  token = w.server.grants[0]!.access_token;
});
afterAll(async () => {
  await w.close();
});
afterEach(async () => {
  await requestsSettled();
  w.server.clearFaults();
  w.server.setOptions({ pageDelay: undefined, omitLastLink: false, latencyMs: 0 });
  w.server.requests.length = 0;
  // Each test lists as the first time, unless it is about the second.
  rmSync(listingCache(), { force: true });
});

/** Where a listing's page count is remembered (src/store/listing-pages.ts): the sandbox's XDG_CACHE_HOME. */
const listingCache = () => join(w.sandbox.home, '.cache', 'oauthcli', 'listing-pages.json');

/**
 * A CLI that stopped early (Ctrl-C, a closed pipe) can exit before this process has read the
 * requests it had already sent; they would land in the next test's record. Waits until the fake
 * has seen every connection close (a request on a connection is read before its end), then for
 * the turn that records them.
 */
async function requestsSettled(): Promise<void> {
  await until(() => w.server.openConnections() === 0, 'the CLI to hang up every connection');
  await new Promise((resolve) => setImmediate(resolve));
}

const repos = (args: string[] = [], env: Record<string, string> = {}) => w.cli(['repos', ...args], { env });
const repoRequests = () => w.server.requests.filter((r) => r.path === REPOS);
const noSecrets = (...texts: string[]) => {
  for (const t of texts) expect(t).not.toContain(token);
};

/** Arms `fault` once page 1 has been answered, so that it hits the pages after the first. */
function failAfterFirstPage(fault: FaultSpec) {
  let armed = false;
  w.server.setOptions({
    pageDelay: (page) => {
      if (page === 1 && !armed) {
        armed = true;
        w.server.fail(REPOS, fault);
      }
      return 0;
    },
  });
}

/** Runs `sh -c script` in the sandbox; `"$NODE" "$CLI"` runs the CLI. */
function sh(script: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], {
      env: { ...(w.env as Record<string, string>), NODE: process.execPath, CLI: CLI_BIN },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

describe('repos --json', () => {
  it.each([0, 1, 250])('%i repositories: one JSON array with the contract fields, in order, and nothing else on stdout', async (count) => {
    w.server.setRepos('octocat', count);
    const res = await repos(['--json']);
    expect(res.code).toBe(0);
    const list = JSON.parse(res.stdout) as Array<Record<string, unknown>>;
    expect(Array.isArray(list)).toBe(true);
    expect(list.map((r) => r.name)).toEqual(expected(count));
    for (const repo of list) {
      for (const field of CONTRACT_FIELDS) expect(repo).toHaveProperty(field);
      expect(repo.full_name).toBe(`octocat/${repo.name as string}`);
    }
    if (count > 0) expect(Object.keys(list[0]!).length).toBeGreaterThan(70); // GitHub's object, passed through whole
    expect(res.stderr.trim()).toBe(`${count} ${count === 1 ? 'repository' : 'repositories'}`);
    noSecrets(res.stdout, res.stderr);
    // Every page was asked for compressed (the fake then gzips it, as GitHub does) and decoded.
    expect(repoRequests().map((r) => r.headers['accept-encoding'])).toEqual(repoRequests().map(() => 'gzip, deflate, br'));
  });

  it('keeps the provider order when later pages answer first', async () => {
    w.server.setRepos('octocat', 1000);
    w.server.setOptions({ pageDelay: (page) => (page === 1 ? 0 : (11 - page) * 20) });
    const res = await repos(['--json']);
    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as Array<{ name: string }>).map((r) => r.name)).toEqual(expected(1000));
    expect(res.stderr).toContain('1,000 repositories');
    expect(repoRequests()).toHaveLength(10);
  });

  it('follows rel="next" when the server sends no rel="last"', async () => {
    w.server.setRepos('octocat', 250);
    w.server.setOptions({ omitLastLink: true });
    const res = await repos(['--json']);
    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as Array<{ name: string }>).map((r) => r.name)).toEqual(expected(250));
    expect(repoRequests().map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);
  });

  it('--limit requests only the pages it needs, with a smaller page for a small limit', async () => {
    w.server.setRepos('octocat', 1000);
    const small = await repos(['--json', '--limit', '5']);
    expect(small.code).toBe(0);
    expect((JSON.parse(small.stdout) as Array<{ name: string }>).map((r) => r.name)).toEqual(expected(5));
    expect(repoRequests().map((r) => r.query)).toEqual([{ per_page: '5' }]);
    expect(small.stderr).toMatch(/5 repositories \(the first 5; raise --limit for more\)/);

    w.server.requests.length = 0;
    const mid = await repos(['--json', '--limit', '250']);
    expect((JSON.parse(mid.stdout) as unknown[]).length).toBe(250);
    expect(w.server.requestCount(REPOS)).toBe(3);

    w.server.requests.length = 0;
    const table = await repos(['--limit', '100']);
    // In a pipe: one line a repository, no header.
    expect(table.stdout.trim().split('\n')).toHaveLength(100);
    expect(w.server.requestCount(REPOS)).toBe(1);
  });

  it('maps each flag onto GitHub’s parameter', async () => {
    w.server.setRepos('octocat', 30);
    const res = await repos(['--json', '--visibility', 'private', '--affiliation', 'owner,collaborator', '--sort', 'pushed', '--direction', 'asc']);
    expect(res.code).toBe(0);
    expect(repoRequests()[0]!.query).toEqual({ visibility: 'private', affiliation: 'owner,collaborator', sort: 'pushed', direction: 'asc', per_page: '100' });
    const list = JSON.parse(res.stdout) as Array<{ private: boolean }>;
    expect(list).toHaveLength(10);
    expect(list.every((r) => r.private)).toBe(true);
  });

  it('retries a later page that answers 5xx or resets the connection', async () => {
    w.server.setRepos('octocat', 300);
    failAfterFirstPage({ status: 502, times: 2 });
    const res = await repos(['--json']);
    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as Array<{ name: string }>).map((r) => r.name)).toEqual(expected(300));
    expect(repoRequests().filter((r) => r.fault)).toHaveLength(2);

    w.server.requests.length = 0;
    failAfterFirstPage({ destroySocket: true, times: 1 });
    const reset = await repos(['--json']);
    expect(reset.code).toBe(0);
    expect((JSON.parse(reset.stdout) as unknown[]).length).toBe(300);
  });

  it('Ctrl-C while later pages are on their way: exit 130, no trace', async () => {
    w.server.setRepos('octocat', 500);
    // Pages 2-5 are never answered: they are on their way whenever the Ctrl-C comes.
    w.server.setOptions({ pageDelay: (page) => (page === 1 ? 0 : new Promise(() => undefined)) });
    const cli = w.start(['repos']);
    await cli.waitForStdout(/repo-0100/, 30_000);
    cli.kill('SIGINT');
    const res = await cli.exited;
    expect(res.code).toBe(130);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('a 404: exit 1, one line, nothing on stdout', async () => {
    w.server.setRepos('octocat', 10);
    // Every listing request answers 404, whatever a request of an earlier test arriving late takes.
    w.server.fail(REPOS, { status: 404, body: { message: 'Not Found' }, times: Number.POSITIVE_INFINITY });
    const res = await repos(['--json']);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim()).toMatch(/^oauthcli: .*HTTP 404: Not Found$/);
  });
});

describe('repos, the second time', () => {
  const arrivals = () => repoRequests().map((r) => ({ page: Number(r.query.page ?? '1'), time: r.time }));

  it('asks for every page together with page 1, from the page count it remembered (and never a token there)', async () => {
    w.server.setRepos('octocat', 900);
    w.server.setOptions({ latencyMs: 300 });
    const first = await repos(['--json']);
    expect(first.code).toBe(0);
    // The first time: page 1, and only after its answer (300 ms) pages 2-9.
    const cold = arrivals();
    expect(cold[0]!.page).toBe(1);
    expect(Math.min(...cold.slice(1).map((a) => a.time)) - cold[0]!.time).toBeGreaterThanOrEqual(250);
    const cache = readFileSync(listingCache(), 'utf8');
    expect(JSON.parse(cache)).toEqual({ [`github:${w.server.host}:octocat {}`]: { pages: 9, at: expect.any(String) } });
    expect(statSync(listingCache()).mode & 0o777).toBe(0o600);
    noSecrets(cache);

    w.server.requests.length = 0;
    // Page 1 is answered once all nine requests are in (or after 10 s, which fails below).
    let arrivedBeforePage1 = 0;
    const page1Held = until(() => repoRequests().length >= 9, 'pages 2-9', 10_000)
      .catch(() => undefined)
      .then(() => void (arrivedBeforePage1 = repoRequests().length));
    w.server.setOptions({ latencyMs: 0, pageDelay: (page) => (page === 1 ? page1Held : 0) });
    const second = await repos(['--json']);
    w.server.setOptions({ pageDelay: undefined });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    const warm = arrivals();
    expect(warm.map((a) => a.page).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // All nine were asked for before page 1 was answered: none waited for it.
    expect(arrivedBeforePage1).toBe(9);
  });

  it('a listing that shrank meanwhile: the right repositories, and the new count remembered', async () => {
    w.server.setRepos('octocat', 900);
    expect((await repos(['--json'])).code).toBe(0);
    w.server.setRepos('octocat', 250);
    w.server.requests.length = 0;
    const res = await repos(['--json']);
    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as Array<{ name: string }>).map((r) => r.name)).toEqual(expected(250));
    // The dropped pages (4-9) are not the user's business: no line about them.
    expect(res.stderr.trim()).toBe('250 repositories');
    expect(Object.values(JSON.parse(readFileSync(listingCache(), 'utf8')) as Record<string, { pages: number }>)[0]!.pages).toBe(3);
    // Other options are another listing: nothing guessed for it.
    w.server.requests.length = 0;
    expect((await repos(['--json', '--visibility', 'private'])).code).toBe(0);
    expect(arrivals()).toHaveLength(1);
  });

  it('a cache that is not JSON, or not writable, only costs the guess', async () => {
    w.server.setRepos('octocat', 300);
    mkdirSync(join(listingCache(), '..'), { recursive: true });
    writeFileSync(listingCache(), '{ not json');
    const res = await repos(['--json']);
    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as unknown[]).length).toBe(300);
    expect(res.stderr.trim()).toBe('300 repositories');
    expect(JSON.parse(readFileSync(listingCache(), 'utf8'))).toMatchObject({ [`github:${w.server.host}:octocat {}`]: { pages: 3 } });

    // A folder where the file should be: it can be neither read nor replaced (even by root).
    rmSync(listingCache());
    mkdirSync(listingCache());
    try {
      const blocked = await repos(['--json']);
      expect(blocked.code).toBe(0);
      expect((JSON.parse(blocked.stdout) as unknown[]).length).toBe(300);
      expect(blocked.stderr.trim()).toBe('300 repositories');
    } finally {
      rmSync(listingCache(), { recursive: true, force: true });
    }
  });
});

describe('repos as a table', () => {
  it("into a pipe: gh's tab-separated form, one line per repository, no header, no escape codes", async () => {
    w.server.setRepos('octocat', 120);
    const res = await repos([], { FORCE_COLOR: '0' });
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(120);
    expect(lines[0]).toBe('octocat/repo-0001\tTest repository number 1\tpublic\t2024-01-01T01:00:00Z');
    expect(lines[2]).toBe('octocat/repo-0003\tTest repository number 3\tprivate\t2024-01-01T03:00:00Z');
    expect(lines[4]).toBe('octocat/repo-0005\t\tpublic\t2024-01-01T05:00:00Z');
    expect(lines[119]).toMatch(/^octocat\/repo-0120\t/);
    expect(res.stdout + res.stderr).not.toMatch(/\u001b/);
    expect(res.stderr.trim()).toBe('120 repositories');
  });

  it('NO_COLOR wins over FORCE_COLOR; FORCE_COLOR alone colours (status), and never the tab-separated form scripts read', async () => {
    w.server.setRepos('octocat', 3);
    const none = await w.cli(['status'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(none.stdout).not.toMatch(/\u001b/);
    const forced = await w.cli(['status'], { env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toMatch(/\u001b\[1m/);
    const piped = await repos([], { FORCE_COLOR: '1' });
    expect(piped.stdout).not.toMatch(/\u001b/);
  });

  it('`oauthcli repos | head -1` and a big `--json | head -c 100` exit 0, quietly', async () => {
    w.server.setRepos('octocat', 2000);
    const root = w.sandbox.root;
    const table = await sh(`{ "$NODE" "$CLI" repos 2>${root}/t.err; echo $? > ${root}/t.rc; } | head -1 > ${root}/t.out`);
    expect(table.code).toBe(0);
    expect(readFileSync(join(root, 't.rc'), 'utf8').trim()).toBe('0');
    expect(readFileSync(join(root, 't.out'), 'utf8')).toMatch(/^octocat\/repo-0001\t/);
    expect(readFileSync(join(root, 't.err'), 'utf8')).not.toMatch(/EPIPE|Error|\n\s+at /);

    const json = await sh(`{ "$NODE" "$CLI" repos --json 2>${root}/j.err; echo $? > ${root}/j.rc; } | head -c 100 > ${root}/j.out`);
    expect(json.code).toBe(0);
    expect(readFileSync(join(root, 'j.rc'), 'utf8').trim()).toBe('0');
    expect(readFileSync(join(root, 'j.out'), 'utf8')).toMatch(/^\[\{"id":100001,/);
    expect(readFileSync(join(root, 'j.err'), 'utf8')).toBe('');
  });
});

describe('repos flag validation', () => {
  it.each([
    [['--visibility', 'secret'], /invalid --visibility 'secret' \(one of: all, public, private\)/],
    [['--sort', 'stars'], /invalid --sort 'stars'/],
    [['--direction', 'up'], /invalid --direction 'up'/],
    [['--affiliation', 'owner,friend'], /invalid --affiliation 'friend'/],
    [['--affiliation', 'owner,'], /invalid --affiliation/],
    [['--limit', '0'], /invalid --limit '0'/],
    [['--limit', 'ten'], /invalid --limit 'ten'/],
    [['--limit', '-5'], /invalid --limit '-5'/],
    [['--limit', '1.5'], /invalid --limit '1.5'/],
  ])('%j: exit 2 before any request', async (args, message) => {
    const res = await repos(args);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(message);
    expect(w.server.requests).toEqual([]);
  });
});

describe('repos and rate limits', () => {
  it('a primary rate limit: exit 1 and one line with the reset time', async () => {
    w.server.setRepos('octocat', 10);
    w.server.fail(REPOS, rateLimitFault({ kind: 'primary', resetInSeconds: 600 }));
    const res = await repos(['--json']);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^oauthcli: .*rate limit.*resets at \d{1,2}:\d{2}/);
    expect(w.server.requestCount(REPOS)).toBe(1);
  });

  it('a secondary rate limit on a later page: a note on stderr, a wait, then success', async () => {
    w.server.setRepos('octocat', 300);
    failAfterFirstPage(rateLimitFault({ kind: 'secondary', retryAfter: 1, status: 429 }));
    const res = await repos(['--json']);
    expect(res.code).toBe(0);
    // The page refused with Retry-After: 1 is asked for once more, a second after its refusal at
    // the earliest (as seen at the fake: how long the rest took says nothing about the CLI).
    const arrivals = new Map<string, number[]>();
    for (const r of repoRequests()) arrivals.set(r.query.page ?? '1', [...(arrivals.get(r.query.page ?? '1') ?? []), r.time]);
    const retried = [...arrivals.values()].filter((times) => times.length > 1);
    expect(retried).toHaveLength(1);
    expect(retried[0]!).toHaveLength(2);
    expect(retried[0]![1]! - retried[0]![0]!).toBeGreaterThanOrEqual(1000);
    expect(res.stderr).toMatch(/asked us to slow down; retrying in 1 s/);
    expect((JSON.parse(res.stdout) as Array<{ name: string }>).map((r) => r.name)).toEqual(expected(300));
  });
});

describe('repos when the sign-in is gone', () => {
  let other: GitHubLab;
  beforeAll(async () => {
    other = await setUp();
  });
  afterAll(async () => {
    await other.close();
  });

  it('not signed in: exit 4 with the login command', async () => {
    const res = await other.cli(['repos']);
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/oauthcli login/);
  });

  it('a token the server rejects (401): exit 4 and "oauthcli login github"', async () => {
    await other.signIn();
    other.server.setRepos('octocat', 10);
    other.server.revokeToken(other.server.grants[0]!.access_token);
    const res = await other.cli(['repos', '--json']);
    expect(res.code).toBe(4);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/oauthcli login github/);
  });
});
