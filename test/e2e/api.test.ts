// @needs-keychain: these tests sign in and keep tokens in the OS keychain.
// `oauthcli api`, the built CLI against the fake GitHub (signed in with the device flow, token in
// the keychain): pagination with --jq, -f/-F typing as the server receives it, the error
// contract, foreign hosts refused before any request, no token in any output. Where Debian's
// `gh` is installed, the same flags are run through `gh api` against the same fake (reached as
// github.localhost through the fake acting as HTTP proxy) and what each printed, or sent, is
// compared: gh is the reference for `api`.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, sanitizeEnv, type CliResult } from '../support/cli.js';
import type { RecordedRequest } from '../support/github-server.js';
import { until } from '../support/until.js';
import { setUp, type GitHubLab } from './harness.js';

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
afterEach(() => {
  w.server.clearFaults();
  w.server.requests.length = 0;
  // Each listing is read as the first time (no page count remembered: src/store/listing-pages.ts).
  forgetListings();
});

/** Where a listing's page count is remembered: the sandbox's XDG_CACHE_HOME. */
const forgetListings = () => rmSync(join(w.sandbox.home, '.cache', 'oauthcli', 'listing-pages.json'), { force: true });

const api = (args: string[], opts: { input?: string; env?: Record<string, string> } = {}) => w.cli(['api', ...args], opts);
const noSecrets = (...results: CliResult[]) => {
  for (const r of results) {
    expect(r.stdout).not.toContain(token);
    expect(r.stderr).not.toContain(token);
  }
};
/** Requests under the REST API, with the path relative to its root (gh reaches `/x`, we `/api/v3/x`). */
const restRequests = (): Array<RecordedRequest & { rest: string }> =>
  w.server.requests.filter((r) => !r.path.startsWith('/login')).map((r) => ({ ...r, rest: r.path.replace(/^\/api\/v3/, '') }));

describe('oauthcli api against the fake GitHub', () => {
  it('GET /user: the body as received, with the stored token and GitHub headers', async () => {
    const res = await api(['/user']);
    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as { login: string }).login).toBe('octocat');
    expect(res.stderr).toBe('');
    const [req] = restRequests();
    expect(req).toMatchObject({ method: 'GET', rest: '/user', authorization: `Bearer ${token}` });
    expect(req!.headers['x-github-api-version']).toBe('2022-11-28');
    noSecrets(res);
  });

  it('--paginate --jq: every page filtered, 250 repositories in 3 requests of 100', async () => {
    w.server.setRepos('octocat', 250);
    const res = await api(['user/repos', '--paginate', '--jq', '.[].name']);
    expect(res.code).toBe(0);
    expect(res.stdout.trim().split('\n')).toEqual(Array.from({ length: 250 }, (_, i) => `repo-${String(i + 1).padStart(4, '0')}`));
    // Pages 2 and 3 are asked for together (page 1 names the last): in whichever order they arrive.
    const byPage = (q: { query: Record<string, string> }) => Number(q.query.page ?? '1');
    expect(restRequests().sort((a, b) => byPage(a) - byPage(b)).map((r) => [r.rest, r.query])).toEqual([
      ['/user/repos', { per_page: '100' }],
      ['/user/repos', { per_page: '100', page: '2' }],
      ['/user/repos', { per_page: '100', page: '3' }],
    ]);
    noSecrets(res);
  });

  it('--paginate without --jq: the pages merged into ONE JSON array', async () => {
    w.server.setRepos('octocat', 250);
    const res = await api(['user/repos', '--paginate']);
    expect(res.code).toBe(0);
    const list = JSON.parse(res.stdout) as Array<{ name: string }>;
    expect(list).toHaveLength(250);
    expect(list.at(-1)!.name).toBe('repo-0250');
  });

  it.each([[[]], [['--jq', '.[] | {name, id}']]])('--paginate %j over 1,000 repositories: pages 2-10 in flight together at the fake, the same bytes as read one page at a time', async (extra) => {
    w.server.setRepos('octocat', 1000);
    let inFlight = 0;
    let most = 0;
    let open = false;
    w.server.setOptions({
      pageDelay: (page) => {
        if (page === 1 || open) return 0;
        inFlight += 1;
        most = Math.max(most, inFlight);
        // Held until every page after the first has been asked for (a client asking one at a
        // time gets its pages after 10 s, and most stays 1).
        return until(() => inFlight === 9, 'pages 2-10 in flight together')
          .catch(() => undefined)
          .finally(() => {
            open = true;
            inFlight -= 1;
          });
      },
    });
    try {
      const together = await api(['user/repos', '--paginate', ...extra]);
      expect(together.code, together.stderr).toBe(0);
      expect(most).toBe(9);
      // The same listing with next links only: read one page after another.
      w.server.setOptions({ pageDelay: undefined, omitLastLink: true });
      forgetListings();
      const inTurn = await api(['user/repos', '--paginate', ...extra]);
      expect(inTurn.code).toBe(0);
      expect(together.stdout).toBe(inTurn.stdout);
      if (extra.length === 0) expect((JSON.parse(together.stdout) as unknown[]).length).toBe(1000);
      expect(restRequests().filter((r) => r.rest === '/user/repos')).toHaveLength(20);
      noSecrets(together);
    } finally {
      w.server.setOptions({ pageDelay: undefined, omitLastLink: false });
    }
  });

  it('-f strings, -F typed values, nesting, arrays and @file: the JSON body the server received', async () => {
    const file = join(w.sandbox.root, 'body.md');
    writeFileSync(file, 'Line one\nLine <two> & three\n');
    const res = await api(['-X', 'POST', 'repos/octocat/hello/issues', '-f', 'title=Hi', '-f', 'n=1', '-F', 'draft=true', '-F', 'count=42', '-F', 'none=null', '-F', 'labels[]=bug', '-F', 'labels[]=7', '-F', 'meta[owner]=octocat', '-F', `body=@${file}`]);
    // The fake has no such route: its 404 is fine, what matters is what it received.
    expect(res.code).toBe(1);
    const [req] = restRequests();
    expect(req!.method).toBe('POST');
    expect(req!.rawBody).toBe('{"body":"Line one\\nLine \\u003ctwo\\u003e \\u0026 three\\n","count":42,"draft":true,"labels":["bug",7],"meta":{"owner":"octocat"},"n":"1","none":null,"title":"Hi"}');
  });

  it('fields become query parameters with -X GET; the body comes from stdin with --input -', async () => {
    await api(['-X', 'GET', 'search/issues', '-f', 'q=repo:cli/cli is:open', '-F', 'per_page=5']);
    await api(['repos/octocat/hello/pulls', '--input', '-', '-f', 'draft=x'], { input: '{"title":"from stdin"}' });
    const [get, post] = restRequests();
    expect(get).toMatchObject({ method: 'GET', rest: '/search/issues', query: { q: 'repo:cli/cli is:open', per_page: '5' }, rawBody: '' });
    expect(post).toMatchObject({ method: 'POST', rest: '/repos/octocat/hello/pulls', query: { draft: 'x' }, rawBody: '{"title":"from stdin"}' });
  });

  it('a 404: the body on stdout, one line on stderr, exit 1', async () => {
    const res = await api(['repos/octocat/nope']);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout)).toMatchObject({ message: 'Not Found' });
    expect(res.stderr).toBe(`oauthcli: ${w.host} answered HTTP 404: Not Found\n`);
  });

  it('a URL on another host: exit 2, and no request at all', async () => {
    for (const url of ['https://api.github.com/user', `http://localhost:${w.host.split(':')[1]}/api/v3/user`, 'http://127.0.0.2/api/v3/user']) {
      const res = await api([url]);
      expect(res.code).toBe(2);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(/is not 127\.0\.0\.1:\d+'s API .* the token is sent only there/);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(w.server.requests).toHaveLength(0);
  });

  it('a bad flag: exit 2 before any request', async () => {
    for (const args of [['/user', '-H', 'NoColon'], ['/user', '--jq', '.', '--silent'], ['user/repos', '--paginate', '-f', 'a=1'], ['/user', '-F', 'x=@/nonexistent']]) {
      const res = await api(args);
      expect(res.code).toBe(2);
    }
    expect(w.server.requests).toHaveLength(0);
  });

  it('a token the server no longer accepts: exit 4 with the sign-in command', async () => {
    w.server.fail('/api/v3/user', { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' } });
    const res = await api(['/user']);
    expect(res.code).toBe(4);
    expect(res.stderr).toBe(`oauthcli: ${w.host} answered HTTP 401: Bad credentials. Run: oauthcli login github --hostname ${w.host}\n`);
  });

  it('--debug traces the request with the token redacted', async () => {
    const res = await api(['/user', '--debug', '-F', 'x=1', '-X', 'GET']);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/> GET http:\/\/127\.0\.0\.1:\d+\/api\/v3\/user\?x=1/);
    expect(res.stderr).toMatch(/authorization: Bearer \[REDACTED\]/);
    noSecrets(res);
  });
});

// ---------------------------------------------------------------------------------------------
// Against gh itself
// ---------------------------------------------------------------------------------------------

const hasGh = spawnSync('gh', ['--version'], { stdio: 'ignore' }).status === 0;
const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: Record<string, string | undefined>, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
    const child = execFile(file, args, { env: clean, encoding: 'utf8', timeout: 20_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

/** `gh api ARGS` against the fake: github.localhost's API through the fake as HTTP proxy, with our token. */
function gh(args: string[], input?: string): Promise<Run> {
  const ghConfig = join(w.sandbox.root, 'gh-config');
  mkdirSync(ghConfig, { recursive: true });
  return run('gh', ['api', ...args], ghEnv(ghConfig), input);
}

function ghEnv(ghConfig: string): Record<string, string | undefined> {
  return {
    ...sanitizeEnv(process.env),
    HOME: w.sandbox.home,
    GH_CONFIG_DIR: ghConfig,
    GH_HOST: 'github.localhost',
    GH_TOKEN: token,
    HTTP_PROXY: `http://${w.host}`,
    NO_PROXY: '',
    no_proxy: '',
    GH_NO_UPDATE_NOTIFIER: '1',
    GH_PROMPT_DISABLED: '1',
    GH_PAGER: 'cat',
  };
}

function ours(args: string[], input?: string): Promise<Run> {
  return run(process.execPath, [CLI_BIN, 'api', ...args], w.env, input);
}

/** The same command through both, after a probe that gh reaches the fake (the proxy routing). */
async function both(args: string[], input?: string): Promise<{ gh: Run; ours: Run; requests: { gh: Array<RecordedRequest & { rest: string }>; ours: Array<RecordedRequest & { rest: string }> } }> {
  w.server.requests.length = 0;
  const g = await gh(args, input);
  const ghRequests = restRequests();
  w.server.requests.length = 0;
  const o = await ours(args, input);
  const ourRequests = restRequests();
  return { gh: g, ours: o, requests: { gh: ghRequests, ours: ourRequests } };
}

describe.skipIf(!hasGh)("the same flags through Debian's gh api (2.23) and oauthcli api", () => {
  beforeAll(async () => {
    const probe = await gh(['user', '--jq', '.login']);
    if (probe.stdout.trim() !== 'octocat') throw new Error(`gh does not reach the fake GitHub through its proxy routing: ${probe.code} ${probe.stdout} ${probe.stderr}`);
  });

  it('GET /user --jq .login: the same output', async () => {
    const r = await both(['user', '--jq', '.login']);
    expect(r.ours).toEqual({ ...r.gh, stderr: '' });
    expect(r.ours.stdout).toBe('octocat\n');
  });

  it('--paginate --jq: the same lines, from the same requests (per_page=100)', async () => {
    w.server.setRepos('octocat', 250);
    const r = await both(['user/repos', '--paginate', '-q', '.[] | .full_name']);
    expect(r.ours.code).toBe(0);
    expect(r.ours.stdout).toBe(r.gh.stdout);
    expect(r.ours.stdout.split('\n')).toHaveLength(251);
    expect(r.requests.ours.map((q) => [q.method, q.rest, q.query])).toEqual(r.requests.gh.map((q) => [q.method, q.rest, q.query]));
  });

  it('--paginate over 1,000 repositories (pages asked for together): the same bytes as gh api --paginate, page for page', async () => {
    w.server.setRepos('octocat', 1000);
    const r = await both(['user/repos', '--paginate']);
    expect(r.gh.code).toBe(0);
    expect(r.ours.code).toBe(0);
    // The items name the API they were read from: gh reaches the fake as api.github.localhost.
    const oursNormal = r.ours.stdout.split(`http://${w.host}/api/v3`).join('API').split(w.host).join('HOST');
    const ghNormal = r.gh.stdout.split('http://api.github.localhost').join('API').split('github.localhost').join('HOST');
    // gh 2.23 prints each page's array as received, one after another ("][" between pages);
    // oauthcli merges them into one array (gh since 2.31?), the items' bytes as received.
    const merged = ghNormal.replace(/\]\[/g, ',');
    expect(oursNormal).toBe(merged);
    expect(r.requests.ours.map((q) => [q.method, q.rest, q.query]).sort()).toEqual(r.requests.gh.map((q) => [q.method, q.rest, q.query]).sort());
  });

  // gh prints each --jq result on one line: strings raw, null as an empty line, a number that is
  // not whole with two decimals, objects and arrays as Go's encoding/json (keys sorted, <>&
  // escaped). Scripts that read `gh api … --jq` line by line read oauthcli's the same way.
  it.each([
    ['.[0] | {name, private, id}'],
    // (the URLs differ: gh reaches the fake as github.localhost)
    ['[.[0:2][] | with_entries(select(.value | tostring | test("://|@") | not))]'],
    ['.[0].owner | with_entries(select(.value | tostring | test("://") | not))'],
    ['.[] | .description'],
    ['.[0].private, .[0].id, length, .[0].topics'],
    ['[.[].stargazers_count] | add / length'],
    ['.[0].size / 3, 0.125, 0.375, 2.675, -0.001, 1e21, 1e-7'],
    ['[1.5, 1e-7, 1e21, 0.1, .[0].size / 3]'],
    ['{b: "<a href=\\"x\\">&</a>", a: "tab\\there\\u2028", c: "\\b\\f", "é": 1, "Z": 2, "😀": 3, "\\uffff": 4}'],
    ['"two\\nlines", "", null, false'],
    ['.[] | select(.id < 0)'],
  ])('--jq %s: byte-identical to gh', async (filter) => {
    w.server.setRepos('octocat', 7);
    const r = await both(['user/repos', '--jq', filter]);
    expect(r.gh.code).toBe(0);
    expect(r.ours).toEqual({ ...r.gh, stderr: '' });
  });

  it('a 404: the same body on stdout and the same exit code', async () => {
    const r = await both(['repos/octocat/nope']);
    expect(r.ours.stdout).toBe(r.gh.stdout);
    expect(r.ours.code).toBe(r.gh.code);
    expect(r.gh.stderr).toBe('gh: Not Found (HTTP 404)\n');
    expect(r.ours.stderr).toBe(`oauthcli: ${w.host} answered HTTP 404: Not Found\n`);
  });

  it('-i: the same status line and header block (request ids and dates aside)', async () => {
    const r = await both(['-i', 'repos/octocat/nope']);
    const normal = (s: string) => s.replace(/^(Date|X-Github-Request-Id): .*$/gm, '$1: …');
    expect(normal(r.ours.stdout)).toBe(normal(r.gh.stdout));
    expect(r.ours.stdout).toMatch(/^HTTP\/1\.1 404 Not Found\n(?:[\w-]+: [^\r\n]*\r\n)+\r\n\{"message":"Not Found"/);
    expect(r.ours.stdout).toContain('\r\nContent-Type: application/json; charset=utf-8\r\n');
  });

  it('-f/-F typed fields, nested and arrays, with -X POST: byte-identical JSON bodies', async () => {
    const file = join(w.sandbox.root, 'field.txt');
    writeFileSync(file, 'from a file <&>\n');
    const r = await both(['-X', 'POST', 'repos/octocat/hello/issues', '-f', 'title=Hi', '-f', 'raw=@x', '-F', 'n=42', '-F', 'neg=-7', '-F', 'big=9223372036854775807', '-F', 'huge=9223372036854775808', '-F', 't=true', '-F', 'f=false', '-F', 'z=null', '-F', 'labels[]=bug', '-F', 'labels[]=ui', '-F', 'none[]', '-F', 'meta[a][b]=c', '-F', 'p[][name]=n1', '-F', 'p[][value]=v1', '-F', 'p[][name]=n2', '-F', `body=@${file}`]);
    expect(r.requests.ours).toHaveLength(1);
    expect(r.requests.ours[0]!.method).toBe(r.requests.gh[0]!.method);
    expect(r.requests.ours[0]!.rest).toBe(r.requests.gh[0]!.rest);
    expect(r.requests.ours[0]!.rawBody).toBe(r.requests.gh[0]!.rawBody);
    expect(r.ours.stdout).toBe(r.gh.stdout);
  });

  it('fields and no -X: POST; -X GET: the same query parameters', async () => {
    const post = await both(['repos/octocat/hello/labels', '-f', 'name=x', '-F', 'n=1']);
    expect(post.requests.ours[0]!.method).toBe('POST');
    expect(post.requests.gh[0]!.method).toBe('POST');
    const get = await both(['-X', 'GET', 'search/issues', '-f', 'q=a b+c/d~e*f', '-F', 'n=3', '-F', 't=true', '-F', 'z=null', '-f', 'html=<a&b>']);
    expect(get.requests.ours[0]!.query).toEqual(get.requests.gh[0]!.query);
    expect(get.requests.ours[0]!.method).toBe('GET');
  });

  it('--input - with fields: the same body, and the fields in the query', async () => {
    const r = await both(['repos/octocat/hello/pulls', '--input', '-', '-f', 'draft=x'], '{"title":"from stdin"}\n');
    expect(r.requests.ours.map((q) => [q.method, q.query, q.rawBody])).toEqual(r.requests.gh.map((q) => [q.method, q.query, q.rawBody]));
  });

  it.skipIf(!hasScript)('on a terminal: the same coloured, indented JSON', async () => {
    // script(1) gives each a pty; both answers are the fake's 404 body, which carries no URL.
    const inPty = (command: string, env: Record<string, string | undefined>) => run('script', ['-qec', command, '/dev/null'], { ...env, TERM: 'xterm-256color' });
    const ghConfig = join(w.sandbox.root, 'gh-config');
    const g = await inPty('gh api repos/octocat/nope', ghEnv(ghConfig));
    const o = await inPty(`'${process.execPath}' '${CLI_BIN}' api repos/octocat/nope`, w.env);
    const body = (s: string) => s.split('\r\n').filter((l) => !/^(gh|oauthcli): /.test(l)).join('\n');
    expect(g.stdout).toContain('\u001b[1;34m"message"\u001b[m');
    expect(body(o.stdout)).toBe(body(g.stdout));
  });
});
