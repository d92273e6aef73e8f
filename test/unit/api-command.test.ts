// `oauthcli api` in process (src/cli/commands/api.ts through the World seam, answered by a fake
// HTTP client): what is sent for each flag, what is printed to a pipe and to a terminal, pages,
// redirects, errors and their exit codes, and that nothing is sent before every check passed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run, type ApiOptions } from '../../src/cli/commands/api.js';
import { reportError } from '../../src/cli/errors.js';
import { fakeHttpClient, noRequestsHttpClient, type FakeAnswer, type FakeHttpClient } from '../support/fake-http-client.js';
import { testWorld, type TestWorld } from '../support/test-world.js';
import { until } from '../support/until.js';

const TOKEN = 'gho_unitTestToken0123456789';
const API = 'https://api.github.com';
const worlds: TestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
});

interface Setup {
  /** No request may be made (a usage error): any request fails the test. */
  noRequests?: boolean;
  answer?: (req: Parameters<Parameters<typeof fakeHttpClient>[0]>[0]) => FakeAnswer | Promise<FakeAnswer>;
  tty?: boolean;
  stdin?: string;
  env?: NodeJS.ProcessEnv;
}

function setup({ answer = () => ({ body: { ok: true } }), noRequests = false, tty = false, stdin, env = {} }: Setup = {}): { t: TestWorld; http: FakeHttpClient } {
  const http = noRequests ? noRequestsHttpClient() : fakeHttpClient(answer);
  const t = testWorld({ env: { OAUTHCLI_GITHUB_TOKEN: TOKEN, ...env }, http, tty, ...(stdin === undefined ? {} : { stdin }) });
  worlds.push(t);
  return { t, http };
}

/** Runs the command as the CLI would: an error becomes its exit code and one stderr line. */
async function api(t: TestWorld, args: [string, string?], opts: ApiOptions = {}): Promise<number> {
  try {
    return await run(t.world, args[0], args[1], { rawField: [], field: [], header: [], ...opts });
  } catch (error) {
    return reportError(error, { stderr: t.world.stderr, debug: false, redact: t.world.redact, loginHint: t.world.loginHint });
  }
}

const noToken = (t: TestWorld) => {
  expect(t.stdout()).not.toContain(TOKEN);
  expect(t.stderr()).not.toContain(TOKEN);
};

/** A raw answer (exact bytes, any content type). */
const raw = (status: number, text: string, headers: Record<string, string> = {}): FakeAnswer => ({ status, body: text, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });

describe('the request', () => {
  it('GET by default, with the token and GitHub headers, to the API base', async () => {
    const { t, http } = setup();
    expect(await api(t, ['/user'])).toBe(0);
    const [req] = http.requests;
    expect(req!.method).toBe('GET');
    expect(req!.url.href).toBe(`${API}/user`);
    expect(req!.headers).toMatchObject({ authorization: `Bearer ${TOKEN}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' });
    expect(req!.body).toBeUndefined();
  });

  it('fields make a POST with a JSON body; -X GET and -X HEAD put them in the query', async () => {
    const { t, http } = setup();
    await api(t, ['repos/o/r/issues'], { rawField: ['title=Hi'], field: ['draft=true', 'n=3'] });
    await api(t, ['search/issues'], { method: 'get', rawField: ['q=is:open label:bug'] });
    await api(t, ['search/issues'], { method: 'HEAD', field: ['per_page=1'] });
    const [post, get, head] = http.requests;
    expect(post!.method).toBe('POST');
    expect(post!.body).toBe('{"draft":true,"n":3,"title":"Hi"}');
    expect(post!.headers?.['content-type']).toBe('application/json; charset=utf-8');
    expect(get!.method).toBe('GET');
    expect(get!.url.search).toBe('?q=is%3Aopen+label%3Abug');
    expect(get!.body).toBeUndefined();
    expect(head!.method).toBe('HEAD');
    expect(head!.url.search).toBe('?per_page=1');
  });

  it('--input sends the file (stdin with -) as the body, POST by default, and fields go to the query (gh)', async () => {
    const { t, http } = setup({ stdin: '{"name":"x"}' });
    await api(t, ['user/repos'], { input: '-', rawField: ['a=1'] });
    const [req] = http.requests;
    expect(req!.method).toBe('POST');
    expect(Buffer.from(req!.body as Uint8Array).toString()).toBe('{"name":"x"}');
    expect(req!.url.search).toBe('?a=1');
    expect(req!.headers?.['content-type']).toBe('application/json; charset=utf-8');
  });

  it('-F key=@- reads stdin', async () => {
    const { t, http } = setup({ stdin: 'a body\n' });
    await api(t, ['gists'], { field: ['files[a.md][content]=@-'] });
    expect(http.requests[0]!.body).toBe('{"files":{"a.md":{"content":"a body\\n"}}}');
  });

  it('-H adds and overrides headers; a second -H of a name adds a value', async () => {
    const { t, http } = setup();
    await api(t, ['/user'], { header: ['Accept: application/vnd.github.raw+json', 'X-Extra: 1', 'x-extra:2', 'Content-Type: text/plain'], rawField: ['a=b'] });
    expect(http.requests[0]!.headers).toMatchObject({ accept: 'application/vnd.github.raw+json', 'x-extra': '1, 2', 'content-type': 'text/plain' });
  });

  it('a full URL on the API origin is used as it is', async () => {
    const { t, http } = setup();
    expect(await api(t, [`${API}/rate_limit?x=1`])).toBe(0);
    expect(http.requests[0]!.url.href).toBe(`${API}/rate_limit?x=1`);
  });

  it('graphql posts to /graphql with the other fields as variables', async () => {
    const { t, http } = setup({ answer: () => ({ body: { data: { viewer: { login: 'octocat' } } } }) });
    expect(await api(t, ['graphql'], { rawField: ['query=query($n:Int){viewer{login}}'], field: ['n=5'] })).toBe(0);
    expect(http.requests[0]!.url.href).toBe(`${API}/graphql`);
    expect(http.requests[0]!.body).toBe('{"query":"query($n:Int){viewer{login}}","variables":{"n":5}}');
  });
});

describe('refused before anything is sent (exit 2)', () => {
  it.each<[string, [string, string?], ApiOptions, RegExp]>([
    ['a URL on another host', ['https://evil.example/user'], {}, /https:\/\/evil\.example is not github\.com's API/],
    ['plain http to the API host', ['http://api.github.com/user'], {}, /not github\.com's API/],
    ['a malformed header', ['/user'], { header: ['NoColon'] }, /header 'NoColon' needs a value/],
    ['a header the client owns', ['/user'], { header: ['Host: evil.example'] }, /header 'host' is set by oauthcli/],
    ['a bad method', ['/user'], { method: 'GET /x' }, /invalid --method/],
    ['--jq with --silent', ['/user'], { jq: '.', silent: true }, /only one of --jq and --silent/],
    ['--paginate with --input', ['/user'], { paginate: true, input: 'x.json' }, /--paginate cannot be used with --input/],
    ['--paginate of a POST', ['user/repos'], { paginate: true, rawField: ['a=1'] }, /add -X GET/],
    ['--paginate -X DELETE', ['user/repos'], { paginate: true, method: 'DELETE' }, /not DELETE/],
    ['an unreadable --input', ['/user'], { input: '/nonexistent/body.json' }, /--input: cannot read/],
    ['a malformed field', ['/user'], { rawField: ['novalue'] }, /needs a value/],
    ['stdin twice', ['/user'], { input: '-', field: ['a=@-'] }, /stdin can be read only once/],
    ['an unknown provider', ['nope', '/user'], {}, /unknown provider 'nope'/],
  ])('%s', async (_what, args, opts, message) => {
    const { t, http } = setup({ noRequests: true });
    expect(await api(t, args, opts)).toBe(2);
    expect(t.stderr()).toMatch(message);
    expect(t.stderr().trim().split('\n')).toHaveLength(1);
    expect(http.requests).toHaveLength(0);
    expect(t.stdout()).toBe('');
  });
});

describe('output to a pipe', () => {
  it('the body exactly as received: no reformatting, no newline added', async () => {
    const body = '{ "login" : "octocat",\n  "id":12345678901234567890 }';
    const { t } = setup({ answer: () => raw(200, body) });
    expect(await api(t, ['/user'])).toBe(0);
    expect(t.stdout()).toBe(body);
    expect(t.stderr()).toBe('');
  });

  it('-i: the status line, then headers sorted under canonical names, CRLF-terminated, as gh prints them', async () => {
    const { t } = setup({ answer: () => raw(200, '{}', { 'x-github-request-id': 'ABC', etag: 'W/"1"', 'content-length': '2' }) });
    await api(t, ['/user'], { include: true });
    expect(t.stdout()).toBe('HTTP/1.1 200 OK\nContent-Length: 2\r\nContent-Type: application/json; charset=utf-8\r\nEtag: W/"1"\r\nX-Github-Request-Id: ABC\r\n\r\n{}');
  });

  it('--silent prints no body (headers still with -i)', async () => {
    const { t } = setup({ answer: () => raw(200, '{"a":1}') });
    await api(t, ['/user'], { silent: true });
    expect(t.stdout()).toBe('');
    await api(t, ['/user'], { silent: true, include: true });
    expect(t.stdout()).toMatch(/^HTTP\/1\.1 200 OK\n[^]*\r\n\r\n$/);
  });

  it('--jq filters, printing as jq -r does', async () => {
    const { t } = setup({ answer: () => raw(200, '[{"name":"a"},{"name":"b\\u001b[31m"}]') });
    await api(t, ['user/repos'], { jq: '.[].name' });
    expect(t.stdout()).toBe('a\nb\u001b[31m\n');
  });

  it('a 204 prints nothing and succeeds', async () => {
    const { t } = setup({ answer: () => ({ status: 204, body: '' }) });
    expect(await api(t, ['user/starred/o/r'], { method: 'PUT' })).toBe(0);
    expect(t.stdout()).toBe('');
  });
});

describe('output to a terminal', () => {
  const doc = '{"name":"x\\u001b]52;c;aGk=\\u0007","n":12345678901234567890,"ok":true,"none":null,"list":[1,"two"],"empty":{}}';

  it("JSON laid out and coloured as gh's jsoncolor does; escapes shown, never obeyed; numbers exact", async () => {
    const { t } = setup({ tty: true, answer: () => raw(200, doc) });
    await api(t, ['/user']);
    const d = (s: string) => `\u001b[1;38m${s}\u001b[m`;
    const k = (s: string) => `\u001b[1;34m"${s}"\u001b[m${d(':')} `;
    expect(t.stdout()).toBe(
      [
        `${d('{')}`,
        `  ${k('name')}\u001b[32m"x\\u001b]52;c;aGk=\\u0007"\u001b[m${d(',')}`,
        `  ${k('n')}12345678901234567890${d(',')}`,
        `  ${k('ok')}\u001b[33mtrue\u001b[m${d(',')}`,
        `  ${k('none')}\u001b[36mnull\u001b[m${d(',')}`,
        `  ${k('list')}${d('[')}`,
        `    1${d(',')}`,
        `    \u001b[32m"two"\u001b[m`,
        `  ${d(']')}${d(',')}`,
        `  ${k('empty')}${d('{')}${d('}')}`,
        `${d('}')}`,
        '',
      ].join('\n'),
    );
  });

  it('NO_COLOR: laid out, no colour', async () => {
    const { t } = setup({ tty: true, env: { NO_COLOR: '1' }, answer: () => raw(200, '{"a":[1,2],"b":"\\u009b2J"}') });
    await api(t, ['/user']);
    expect(t.stdout()).toBe('{\n  "a": [\n    1,\n    2\n  ],\n  "b": "\\u009b2J"\n}\n');
  });

  it('text that is not JSON: control characters shown as escapes, lines kept', async () => {
    const { t } = setup({ tty: true, answer: () => ({ status: 200, body: 'line 1\n\u001b[2Jline 2\u0007\n', headers: { 'content-type': 'text/plain' } }) });
    await api(t, ['/repos/o/r/readme'], { header: ['Accept: application/vnd.github.raw'] });
    expect(t.stdout()).toBe('line 1\n\\u001b[2Jline 2\\u0007\n');
  });

  it('-i: header values from the provider are made harmless too', async () => {
    const { t } = setup({ tty: true, env: { NO_COLOR: '1' }, answer: () => raw(200, '{}', { 'x-note': 'a\u001b[2Jb' }) });
    await api(t, ['/user'], { include: true });
    expect(t.stdout()).toContain('X-Note: a [2Jb\r\n');
    expect(t.stdout()).not.toContain('\u001b');
  });

  it('--jq results on a terminal: control characters escaped', async () => {
    const { t } = setup({ tty: true, answer: () => raw(200, '[{"name":"b\\u001b[31m"}]') });
    await api(t, ['user/repos'], { jq: '.[].name' });
    expect(t.stdout()).toBe('b\\u001b[31m\n');
  });
});

describe('--paginate', () => {
  /** Three pages of `/user/repos` (the middle one empty, odd spacing), linked with rel="next". */
  function pages(bodies: string[], linkFor = (n: number) => `<${API}/user/repos?per_page=100&page=${n}>; rel="next"`) {
    return (req: { url: URL }): FakeAnswer => {
      const n = Number(req.url.searchParams.get('page') ?? '1');
      return raw(200, bodies[n - 1]!, n < bodies.length ? { link: linkFor(n + 1) } : {});
    };
  }

  it('JSON arrays across pages come out as ONE array, bytes of each item as received; per_page=100 asked', async () => {
    const { t, http } = setup({ answer: pages(['[ {"id":1} ,{"id":2}]', '[]', '[\n{"id":3}\n]\n']) });
    expect(await api(t, ['user/repos'], { paginate: true })).toBe(0);
    expect(t.stdout()).toBe('[{"id":1} ,{"id":2},{"id":3}]');
    expect(JSON.parse(t.stdout())).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(http.requests.map((r) => r.url.search)).toEqual(['?per_page=100', '?per_page=100&page=2', '?per_page=100&page=3']);
    expect(http.requests.every((r) => r.headers?.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('all pages empty: []', async () => {
    const { t } = setup({ answer: pages(['[]', '[]']) });
    await api(t, ['user/repos'], { paginate: true });
    expect(t.stdout()).toBe('[]');
  });

  it('on a terminal: one laid-out array', async () => {
    const { t } = setup({ tty: true, env: { NO_COLOR: '1' }, answer: pages(['[1,2]', '[]', '[{"a":3}]']) });
    await api(t, ['user/repos'], { paginate: true });
    expect(t.stdout()).toBe('[\n  1,\n  2,\n  {\n    "a": 3\n  }\n]\n');
  });

  it('pages that are objects come out one per line (a stream jq reads)', async () => {
    const { t } = setup({ answer: pages(['{"total_count":3,"items":[1,2]}', '{"total_count":3,"items":[3]}']) });
    await api(t, ['search/issues'], { paginate: true, method: 'GET', rawField: ['q=x'] });
    expect(t.stdout()).toBe('{"total_count":3,"items":[1,2]}\n{"total_count":3,"items":[3]}');
  });

  it('--jq on an answer that is not JSON: exit 1, saying so', async () => {
    const { t } = setup({ answer: () => ({ status: 200, body: '<html></html>', headers: { 'content-type': 'text/html' } }) });
    expect(await api(t, ['/'], { jq: '.' })).toBe(1);
    expect(t.stderr()).toBe('oauthcli: --jq: the answer is not JSON (text/html)\n');
  });

  it('--jq runs on each page', async () => {
    const { t } = setup({ answer: pages(['[{"n":"a"},{"n":"b"}]', '[{"n":"c"}]']) });
    await api(t, ['user/repos'], { paginate: true, jq: '.[].n' });
    expect(t.stdout()).toBe('a\nb\nc\n');
  });

  it('-i: each page with its headers, bodies as received, separated by an empty line (gh)', async () => {
    const { t } = setup({ answer: pages(['[1]', '[2]']) });
    await api(t, ['user/repos'], { paginate: true, include: true });
    const out = t.stdout();
    expect(out.match(/^HTTP\/1\.1 200 OK$/gm)).toHaveLength(2);
    expect(out).toMatch(/\r\n\r\n\[1\]\nHTTP\/1\.1 200 OK\n/);
    expect(out.endsWith('\r\n\r\n[2]')).toBe(true);
  });

  it('never follows a link to another origin (the token stays home)', async () => {
    const { t, http } = setup({ answer: pages(['[1]', '[2]'], () => '<https://evil.example/user/repos?page=2>; rel="next"') });
    expect(await api(t, ['user/repos'], { paginate: true })).toBe(1);
    expect(http.requests).toHaveLength(1);
    expect(t.stdout()).toBe('[1]');
    expect(t.stderr()).toMatch(/pagination link to another origin \(https:\/\/evil\.example\)/);
  });

  it('stops on a link back to a page already read', async () => {
    const { t, http } = setup({ answer: pages(['[1]', '[2]', '[3]'], () => `<${API}/user/repos?per_page=100>; rel="next"`) });
    expect(await api(t, ['user/repos'], { paginate: true })).toBe(1);
    expect(http.requests).toHaveLength(1);
    expect(t.stderr()).toMatch(/a page already read/);
  });

  it('a page that fails: the array so far is closed, the error body follows, exit 1', async () => {
    const answer = (req: { url: URL }): FakeAnswer =>
      req.url.searchParams.get('page') === '2' ? raw(502, '{"message":"Server Error"}') : raw(200, '[1]', { link: `<${API}/user/repos?per_page=100&page=2>; rel="next"` });
    const { t } = setup({ answer });
    expect(await api(t, ['user/repos'], { paginate: true })).toBe(1);
    expect(t.stdout()).toBe('[1]\n{"message":"Server Error"}');
    expect(t.stderr()).toBe('oauthcli: api.github.com answered HTTP 502: Server Error\n');
  });

  it('graphql: follows pageInfo.endCursor while hasNextPage, as gh does', async () => {
    const answer = (req: { body?: unknown }): FakeAnswer => {
      const after = (JSON.parse(String(req.body)) as { variables?: { endCursor?: string } }).variables?.endCursor;
      const last = after === 'C2';
      return raw(200, JSON.stringify({ data: { viewer: { repositories: { nodes: [after ?? 'first'], pageInfo: { hasNextPage: !last, endCursor: after ? 'C2' : 'C1' } } } } }));
    };
    const { t, http } = setup({ answer });
    expect(await api(t, ['graphql'], { paginate: true, rawField: ['query=query($endCursor:String){viewer{repositories(first:1,after:$endCursor){nodes{name} pageInfo{hasNextPage endCursor}}}}'] })).toBe(0);
    expect(http.requests.map((r) => (JSON.parse(String(r.body)) as { variables?: unknown }).variables)).toEqual([undefined, { endCursor: 'C1' }, { endCursor: 'C2' }]);
    expect(t.stdout().split('\n').map((l) => (JSON.parse(l) as { data: { viewer: { repositories: { nodes: string[] } } } }).data.viewer.repositories.nodes[0])).toEqual(['first', 'C1', 'C2']);
  });
});

describe('--paginate when page 1 names the last page: the pages after it at once, printed in order', () => {
  /** GitHub's links for page `n` of `last`: next and last (prev and first besides, as GitHub sends them). */
  const githubLinks = (n: number, last: number) => {
    const at = (p: number) => `<${API}/user/repos?per_page=100&page=${p}>`;
    return [n > 1 ? `${at(n - 1)}; rel="prev"` : '', n < last ? `${at(n + 1)}; rel="next", ${at(last)}; rel="last"` : '', n > 1 ? `${at(1)}; rel="first"` : ''].filter(Boolean).join(', ');
  };
  const pageOf = (req: { url: URL }) => Number(req.url.searchParams.get('page') ?? '1');

  /**
   * `last` pages of `[n]`; every page after the first is held until the test lets it go, and the
   * requests held at once are counted (what is in flight at the fake).
   */
  function heldPages(last: number, answerFor: (n: number) => FakeAnswer = (n) => raw(200, `[${n}]`, { link: githubLinks(n, last) })) {
    const held = new Map<number, () => void>();
    let most = 0;
    const answer = async (req: { url: URL }): Promise<FakeAnswer> => {
      const n = pageOf(req);
      if (n > 1) {
        await new Promise<void>((resolve) => {
          held.set(n, resolve);
          most = Math.max(most, held.size);
        });
        held.delete(n);
      }
      return answerFor(n);
    };
    const release = (n: number) => held.get(n)!();
    return { answer, held, release, most: () => most };
  }

  it.each([
    ['the merged array', {}, '[1,2,3,4,5,6]'],
    ['--jq on each page', { jq: '.[]' }, '1\n2\n3\n4\n5\n6\n'],
  ] as Array<[string, ApiOptions, string]>)('pages that complete last first come out in page order: %s', async (_what, opts, out) => {
    const pages = heldPages(6);
    const { t, http } = setup({ answer: pages.answer });
    const running = api(t, ['user/repos'], { paginate: true, ...opts });
    // All five pages after the first are asked for before any has answered; they answer last first.
    await until(() => pages.held.size === 5, 'pages 2-6 in flight together');
    for (const n of [6, 5, 4, 3, 2]) pages.release(n);
    expect(await running).toBe(0);
    expect(t.stdout()).toBe(out);
    expect(http.requests.map(pageOf).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(http.requests.every((r) => r.headers?.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('-i: each page with its own headers, in page order', async () => {
    const pages = heldPages(3);
    const { t } = setup({ answer: pages.answer });
    const running = api(t, ['user/repos'], { paginate: true, include: true });
    await until(() => pages.held.size === 2, 'pages 2 and 3 in flight together');
    pages.release(3);
    pages.release(2);
    expect(await running).toBe(0);
    const bodies = t.stdout().split('\r\n\r\n').slice(1).map((b) => b.split('\n')[0]);
    expect(bodies).toEqual(['[1]', '[2]', '[3]']);
    expect(t.stdout()).toContain(`Link: ${githubLinks(3, 3)}\r\n`);
  });

  it('at most 24 pages in flight (the bound repos keeps), however many pages there are', async () => {
    const last = 60;
    const pages = heldPages(last);
    const { t, http } = setup({ answer: pages.answer });
    const running = api(t, ['user/repos'], { paginate: true, jq: '.[]' });
    // Each page is let go once the pages after it fill every slot again.
    for (let n = 2; n <= last; n++) {
      await until(() => pages.held.has(n) && pages.held.size === Math.min(24, last - n + 1), `page ${n} and the pages after it in flight`);
      pages.release(n);
    }
    expect(await running).toBe(0);
    expect(pages.most()).toBe(24);
    expect(http.requests).toHaveLength(last);
    expect(t.stdout()).toBe(Array.from({ length: last }, (_, i) => `${i + 1}\n`).join(''));
  });

  it('a middle page that fails: the pages before it, its body, one line, exit 1; nothing of the pages after it', async () => {
    const last = 5;
    const pages = heldPages(last, (n) => (n === 3 ? raw(502, '{"message":"Server Error"}') : raw(200, `[${n}]`, { link: githubLinks(n, last) })));
    const { t } = setup({ answer: pages.answer });
    const running = api(t, ['user/repos'], { paginate: true });
    await until(() => pages.held.size === 4, 'pages 2-5 in flight together');
    // Pages 4 and 5 are in before the failing page 3.
    for (const n of [5, 4, 3, 2]) pages.release(n);
    expect(await running).toBe(1);
    expect(t.stdout()).toBe('[1,2]\n{"message":"Server Error"}');
    expect(t.stderr()).toBe('oauthcli: api.github.com answered HTTP 502: Server Error\n');
  });

  it('a page that redirects to another origin is followed without the token, as any api request', async () => {
    const last = 3;
    const answer = (req: { url: URL }): FakeAnswer => {
      if (req.url.host === 'objects.example.com') return raw(200, '[3]');
      const n = pageOf(req);
      if (n === 3) return { status: 302, headers: { location: 'https://objects.example.com/page3' } };
      return raw(200, `[${n}]`, { link: githubLinks(n, last) });
    };
    const { t, http } = setup({ answer });
    expect(await api(t, ['user/repos'], { paginate: true })).toBe(0);
    expect(t.stdout()).toBe('[1,2,3]');
    const elsewhere = http.requests.find((r) => r.url.host === 'objects.example.com')!;
    expect(elsewhere.headers?.authorization).toBeUndefined();
    noToken(t);
  });

  it('a listing with only next links (cursors) is read one page at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const answer = async (req: { url: URL }): Promise<FakeAnswer> => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      const cursor = Number(req.url.searchParams.get('after') ?? '0');
      return raw(200, `[${cursor}]`, cursor < 4 ? { link: `<${API}/user/repos?per_page=100&after=${cursor + 1}>; rel="next"` } : {});
    };
    const { t, http } = setup({ answer });
    expect(await api(t, ['user/repos'], { paginate: true })).toBe(0);
    expect(t.stdout()).toBe('[0,1,2,3,4]');
    expect(most).toBe(1);
    expect(http.requests.map((r) => r.url.searchParams.get('after'))).toEqual([null, '1', '2', '3', '4']);
  });

  it('the next time, pages 2 up to the last one seen go with page 1 (the page count remembered under a digest of the URL)', async () => {
    const last = 4;
    let secondRun = false;
    const answer = async (req: { url: URL }): Promise<FakeAnswer> => {
      const n = pageOf(req);
      // The second time, page 1 answers only once pages 2-4 are asked for too.
      if (secondRun && n === 1) await until(() => http.requests.length >= last * 2, 'pages 2-4 asked for with page 1');
      return raw(200, `[${n}]`, { link: githubLinks(n, last) });
    };
    const { t, http } = setup({ answer });
    expect(await api(t, ['user/repos'], { paginate: true })).toBe(0);
    secondRun = true;
    expect(await api(t, ['user/repos'], { paginate: true })).toBe(0);
    expect(t.stdout()).toBe('[1,2,3,4][1,2,3,4]');
    expect(http.requests.slice(last).map(pageOf).sort()).toEqual([1, 2, 3, 4]);
    const remembered = readFileSync(join(t.world.cacheDir, 'listing-pages.json'), 'utf8');
    expect(remembered).toMatch(/"pages": 4/);
    expect(remembered).not.toContain('repos');
  });

  it('--max-pages: only the pages up to it are asked for, then one line, exit 1', async () => {
    const { t, http } = setup({ answer: (req) => raw(200, `[${pageOf(req)}]`, { link: githubLinks(pageOf(req), 40) }) });
    expect(await api(t, ['user/repos'], { paginate: true, maxPages: '3' })).toBe(1);
    expect(http.requests.map(pageOf).sort()).toEqual([1, 2, 3]);
    expect(t.stdout()).toBe('[1,2,3]');
    expect(t.stderr()).toBe("oauthcli: stopped after 3 pages of api.github.com's listing (it says it has 40); raise the cap with --max-pages N\n");
  });
});

describe('errors', () => {
  it("a 404: the body on stdout, one line on stderr with the provider's message, exit 1", async () => {
    const { t } = setup({ answer: () => raw(404, '{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}') });
    expect(await api(t, ['/repos/o/nope'])).toBe(1);
    expect(t.stdout()).toBe('{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}');
    expect(t.stderr()).toBe('oauthcli: api.github.com answered HTTP 404: Not Found\n');
  });

  it('an error body is never filtered by --jq (gh prints it as is)', async () => {
    const { t } = setup({ answer: () => raw(422, '{"message":"Validation Failed","errors":[{"message":"name already exists"}]}') });
    expect(await api(t, ['user/repos'], { rawField: ['name=x'], jq: '.id' })).toBe(1);
    expect(t.stdout()).toBe('{"message":"Validation Failed","errors":[{"message":"name already exists"}]}');
    expect(t.stderr()).toBe('oauthcli: api.github.com answered HTTP 422: Validation Failed: name already exists\n');
  });

  it('a 401 exits 4 and says to sign in again', async () => {
    const { t } = setup({ answer: () => raw(401, '{"message":"Bad credentials"}') });
    expect(await api(t, ['/user'])).toBe(4);
    expect(t.stdout()).toBe('{"message":"Bad credentials"}');
    expect(t.stderr()).toBe('oauthcli: api.github.com answered HTTP 401: Bad credentials. Run: oauthcli login github\n');
  });

  it('names a missing scope, with the command that asks for it', async () => {
    const { t } = setup({ answer: () => raw(404, '{"message":"Not Found"}', { 'x-oauth-scopes': 'read:user', 'x-accepted-oauth-scopes': 'repo' }) });
    expect(await api(t, ['/repos/o/private'])).toBe(1);
    expect(t.stderr()).toBe("oauthcli: api.github.com answered HTTP 404: Not Found (it needs the 'repo' scope: run oauthcli refresh github -s repo)\n");
  });

  it('a provider message is one harmless line; an HTML page gives the status alone', async () => {
    const { t } = setup({ answer: () => raw(400, '{"message":"bad\\u001b]8;;https://evil\\u0007 thing\\nsecond line"}') });
    expect(await api(t, ['/user'])).toBe(1);
    expect(t.stderr()).toBe('oauthcli: api.github.com answered HTTP 400: bad ]8;;https://evil thing second line\n');
    const html = setup({ answer: () => ({ status: 503, body: '<html>down</html>', headers: { 'content-type': 'text/html' } }) });
    expect(await api(html.t, ['/user'])).toBe(1);
    expect(html.t.stderr()).toBe('oauthcli: api.github.com answered HTTP 503\n');
    expect(html.t.stdout()).toBe('<html>down</html>');
  });

  it('GraphQL errors (HTTP 200) fail with their messages', async () => {
    const { t } = setup({ answer: () => raw(200, '{"data":null,"errors":[{"message":"Field \'nope\' doesn\'t exist on type \'Query\'"}]}') });
    expect(await api(t, ['graphql'], { rawField: ['query={nope}'] })).toBe(1);
    expect(t.stdout()).toContain('"errors"');
    expect(t.stderr()).toBe("oauthcli: api.github.com answered with GraphQL errors: Field 'nope' doesn't exist on type 'Query'\n");
  });

  it('--silent: no body, the error line still', async () => {
    const { t } = setup({ answer: () => raw(404, '{"message":"Not Found"}') });
    expect(await api(t, ['/x'], { silent: true })).toBe(1);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toBe('oauthcli: api.github.com answered HTTP 404: Not Found\n');
  });
});

describe('redirects', () => {
  it('followed on the same origin with the token (a renamed repository)', async () => {
    const { t, http } = setup({
      answer: (req) => (req.url.pathname === '/repos/old/name' ? { status: 301, body: '', headers: { location: `${API}/repositories/42` } } : raw(200, '{"id":42}')),
    });
    expect(await api(t, ['/repos/old/name'])).toBe(0);
    expect(t.stdout()).toBe('{"id":42}');
    expect(http.requests.map((r) => [r.url.href, r.headers?.authorization])).toEqual([
      [`${API}/repos/old/name`, `Bearer ${TOKEN}`],
      [`${API}/repositories/42`, `Bearer ${TOKEN}`],
    ]);
  });

  it('to another origin without any Authorization (an archive download)', async () => {
    const { t, http } = setup({
      answer: (req): FakeAnswer =>
        req.url.host === 'api.github.com' ? { status: 302, body: '', headers: { location: 'https://codeload.github.com/o/r/tar.gz/main' } } : { status: 200, body: 'TARBALL', headers: { 'content-type': 'application/x-gzip' } },
    });
    expect(await api(t, ['/repos/o/r/tarball'], { header: ['Authorization: token mine'] })).toBe(0);
    expect(t.stdout()).toBe('TARBALL');
    expect(http.requests[0]!.headers?.authorization).toBe('token mine');
    expect(http.requests[1]!.url.host).toBe('codeload.github.com');
    expect(http.requests[1]!.headers?.authorization).toBeUndefined();
  });

  it('to another scheme or host: no token, no credential header of the caller (Cookie, Private-Token, …), other headers kept', async () => {
    for (const location of ['http://api.github.com:443/x', 'https://api.github.com.evil.example/x', 'https://evilgithub.com/x']) {
      const { t, http } = setup({ answer: (req): FakeAnswer => (req.url.href === `${API}/start` ? { status: 307, body: '', headers: { location } } : raw(200, '{}')) });
      expect(await api(t, ['/start'], { header: ['Cookie: a=1', 'Private-Token: p', 'X-Note: n'] })).toBe(0);
      expect(http.requests[1]!.url.href).toBe(location);
      expect(http.requests[1]!.headers).not.toHaveProperty('authorization');
      expect(http.requests[1]!.headers).not.toHaveProperty('cookie');
      expect(http.requests[1]!.headers).not.toHaveProperty('private-token');
      expect(http.requests[1]!.headers?.['x-note']).toBe('n');
    }
  });

  it('a 303 (or a 301/302 after a POST) is followed with a GET and no body', async () => {
    const { t, http } = setup({ answer: (req) => (req.method === 'POST' ? { status: 303, body: '', headers: { location: '/done' } } : raw(200, '{}')) });
    await api(t, ['/things'], { rawField: ['a=1'] });
    expect(http.requests.map((r) => [r.method, r.url.pathname, r.body, r.headers?.['content-type']])).toEqual([
      ['POST', '/things', '{"a":"1"}', 'application/json; charset=utf-8'],
      ['GET', '/done', undefined, undefined],
    ]);
  });

  it('stops after 10', async () => {
    const { t, http } = setup({ answer: (req) => ({ status: 302, body: '', headers: { location: `${API}/loop?n=${Number(req.url.searchParams.get('n') ?? 0) + 1}` } }) });
    expect(await api(t, ['/loop'])).toBe(1);
    expect(http.requests).toHaveLength(10);
    expect(t.stderr()).toMatch(/redirected 10 times/);
  });
});

describe('secrets', () => {
  it('the token never reaches stderr, even quoted by the provider in its error message', async () => {
    const { t } = setup({ answer: (req) => raw(400, JSON.stringify({ message: `you sent ${String(req.headers?.authorization)}` })) });
    expect(await api(t, ['/user'])).toBe(1);
    expect(t.stderr()).toMatch(/answered HTTP 400: you sent Bearer \[REDACTED\]/);
    expect(t.stderr()).not.toContain(TOKEN);
  });

  it('nothing printed carries the token on an ordinary call, -i included', async () => {
    const { t } = setup({ answer: () => raw(200, '{"login":"octocat"}', { 'x-oauth-scopes': 'repo' }) });
    expect(await api(t, ['/user'], { include: true })).toBe(0);
    noToken(t);
  });
});
