// gh's way of printing --jq results (src/cli/json/jq-format.ts), each case as Debian's gh 2.23 printed
// it for the same value (test/e2e/api.test.ts runs the same filters through gh itself), and the
// commands that take -q (whoami, status, provider list, repos) printing through it in process.
import { afterEach, describe, expect, it } from 'vitest';
import { list } from '../../src/cli/commands/provider.js';
import { run as repos } from '../../src/cli/commands/repos.js';
import { run as status } from '../../src/cli/commands/status.js';
import { run as whoami } from '../../src/cli/commands/whoami.js';
import { byCodePoint, ghJqOutput } from '../../src/cli/json/jq-format.js';
import { fakeHttpClient, noRequestsHttpClient } from '../support/fake-http-client.js';
import { testWorld, type TestWorld } from '../support/test-world.js';


describe("gh's form of each result", () => {
  it.each([
    ['"octocat"', 'octocat'],
    ['"two\\nlines"', 'two\nlines'],
    ['null', ''],
    ['true', 'true'],
    ['42', '42'],
    ['1e21', '1000000000000000000000'],
    ['3.3333333333333335', '3.33'],
    ['0.125', '0.12'],
    ['0.375', '0.38'],
    ['2.675', '2.67'],
    ['-0.001', '-0.00'],
    ['[1.5,1e-7,1e+21,0.1]', '[1.5,1e-7,1e+21,0.1]'],
    ['{"z":1,"a":{"y":[],"b":{}}}', '{"a":{"b":{},"y":[]},"z":1}'],
    ['{"h":"<a href=\\"x\\">&</a>","l":"\\u2028\\u2029","c":"\\b\\f\\t\\\\b"}', '{"c":"\\u0008\\u000c\\t\\\\b","h":"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e","l":"\\u2028\\u2029"}'],
    ['{"😀":3,"\\uffff":4,"é":1,"Z":2,"10":5,"2":6}', '{"10":5,"2":6,"Z":2,"é":1,"\uffff":4,"😀":3}'],
  ])('%s → %s', (compact, printed) => {
    expect(ghJqOutput(`${compact}\n`)).toBe(`${printed}\n`);
  });

  it('one result per line, none for no result', () => {
    expect(ghJqOutput('')).toBe('');
    expect(ghJqOutput('{"a":1}\n"x"\n[2]\n')).toBe('{"a":1}\nx\n[2]\n');
  });

  it('keys in UTF-8 byte order, which is code point order', () => {
    const keys = ['😀', '\uffff', 'é', 'Z', 'a'];
    expect([...keys].sort(byCodePoint)).toEqual(['Z', 'a', 'é', '\uffff', '😀']);
    expect([...keys].sort(byCodePoint).map((k) => Buffer.from(k))).toEqual([...keys].map((k) => Buffer.from(k)).sort(Buffer.compare));
  });
});

const TOKEN = 'gho_jqFormatTestToken0123456789';
const worlds: TestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
});

/** `requests` false: the command asks nothing of GitHub (provider list). */
function world(requests = true): TestWorld {
  const repo = (i: number) => ({ full_name: `octocat/r${i}`, name: `r${i}`, private: i === 2, fork: false, archived: false, description: i === 1 ? '<b> & co' : null, html_url: `https://github.com/octocat/r${i}`, language: null, stargazers_count: i, updated_at: '2024-01-01T00:00:00Z' });
  const http = !requests ? noRequestsHttpClient() : fakeHttpClient((req) => {
    if (req.url.pathname === '/user') return { headers: { 'x-oauth-scopes': 'repo, read:org' }, body: { login: 'octocat', id: 1, name: 'The Octocat', email: null, html_url: 'https://github.com/octocat' } };
    if (req.url.pathname === '/user/repos') return { body: [repo(1), repo(2)] };
    return { status: 404, body: { message: 'Not Found' } };
  });
  const t = testWorld({ env: { OAUTHCLI_GITHUB_TOKEN: TOKEN }, http });
  worlds.push(t);
  return t;
}

describe('every command with -q prints as gh', () => {
  it('whoami -q: an object on one line, keys sorted; a string raw; null as an empty line', async () => {
    const t = world();
    expect(await whoami(t.world, undefined, { jq: '{login, id, scopes}, .login, .email' })).toBe(0);
    expect(t.stdout()).toBe('{"id":"1","login":"octocat","scopes":["repo","read:org"]}\noctocat\n\n');
  });

  it('status -q: compact objects, one per line', async () => {
    const t = world();
    expect(await status(t.world, { jq: '.[] | {provider, valid, storage}' })).toBe(0);
    expect(t.stdout()).toBe('{"provider":"github","storage":"env","valid":true}\n');
  });

  it('provider list -q: arrays compact', async () => {
    const t = world(false);
    expect(await list(t.world, { jq: '[.[].name] | .[0:2]' })).toBe(0);
    expect(t.stdout()).toBe('["github","google"]\n');
  });

  it('repos -q: objects compact with <>& escaped as Go does; numbers that are not whole with two decimals', async () => {
    const t = world();
    expect(await repos(t.world, undefined, { jq: '(.[] | {full_name, description}), ([.[].stargazers_count] | add / 4)' })).toBe(0);
    expect(t.stdout()).toBe('{"description":"\\u003cb\\u003e \\u0026 co","full_name":"octocat/r1"}\n{"description":null,"full_name":"octocat/r2"}\n0.75\n');
  });
});
