// Every listing has a bound (#21 item 7): `repos` and `api --paginate` follow at most 10,000 pages
// (--max-pages N changes it), a `rel="last"` of page 1,000,000,000 is not believed, and a listing
// cut there stops with one line and exit 1. In process, against a server that never stops sending
// `next` (what a hostile or broken server may do; RFC 8288 links are the server's to choose).
import { afterEach, describe, expect, it } from 'vitest';
import { run as api } from '../../src/cli/commands/api.js';
import { run as repos } from '../../src/cli/commands/repos.js';
import { MAX_LISTING_PAGES } from '../../src/http/limits.js';
import { exitCodeOf as cli } from '../support/command-world.js';
import { fakeHttpClient, noRequestsHttpClient, type FakeHttpClient } from '../support/fake-http-client.js';
import { testWorld, type TestWorld } from '../support/test-world.js';

const worlds: TestWorld[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
});

const repo = (page: number) => ({ full_name: `octocat/r${page}`, name: `r${page}`, private: false, fork: false, archived: false, description: null, html_url: 'https://github.com/x', language: null, stargazers_count: 0, updated_at: '2026-01-01T00:00:00Z' });

/** Each page links to the next, for ever; with `last`, page 1 also claims that many pages. */
function endless(last?: number): FakeHttpClient {
  return fakeHttpClient((req) => {
    const page = Number(req.url.searchParams.get('page') ?? '1');
    const at = (n: number) => {
      const u = new URL(req.url);
      u.searchParams.set('page', String(n));
      return u.href;
    };
    const link = [`<${at(page + 1)}>; rel="next"`, ...(last ? [`<${at(last)}>; rel="last"`] : [])].join(', ');
    return { headers: { link }, body: [repo(page)] };
  });
}

function world(http: FakeHttpClient): TestWorld {
  const t = testWorld({ env: { OAUTHCLI_GITHUB_TOKEN: 'gho_pageCapTest0000000000000' }, http });
  worlds.push(t);
  return t;
}

describe('page caps', () => {
  it('the documented default is 10,000 pages', () => {
    expect(MAX_LISTING_PAGES).toBe(10_000);
  });

  it('api --paginate --max-pages 5 against endless next links: 5 requests, the pages printed, one line, exit 1', async () => {
    const http = endless();
    const t = world(http);
    expect(await cli(t, () => api(t.world, 'user/repos', undefined, { rawField: [], field: [], header: [], paginate: true, maxPages: '5', jq: '.[].name' }))).toBe(1);
    expect(http.requests).toHaveLength(5);
    expect(t.stdout()).toBe('r1\nr2\nr3\nr4\nr5\n');
    expect(t.stderr()).toBe("oauthcli: stopped after 5 pages of api.github.com's listing; raise the cap with --max-pages N\n");
  });

  it('repos against a rel="last" of page 1,000,000,000: only up to the cap is asked for, and it says so', async () => {
    const http = endless(1_000_000_000);
    const t = world(http);
    expect(await cli(t, () => repos(t.world, undefined, { maxPages: '30', json: true }))).toBe(1);
    expect(http.requests.length).toBe(30);
    expect(Math.max(...http.requests.map((r) => Number(r.url.searchParams.get('page') ?? '1')))).toBe(30);
    expect(t.stderr()).toBe("oauthcli: stopped after 30 pages of api.github.com's listing (it says it has 1,000,000,000); raise the cap with --max-pages N\n");
  });

  it('api --paginate against a rel="last" of page 1,000,000,000: pages up to the cap, in order, and it says so', async () => {
    const http = endless(1_000_000_000);
    const t = world(http);
    expect(await cli(t, () => api(t.world, 'user/repos', undefined, { rawField: [], field: [], header: [], paginate: true, maxPages: '30', jq: '.[].name' }))).toBe(1);
    expect(http.requests.length).toBe(30);
    expect(Math.max(...http.requests.map((r) => Number(r.url.searchParams.get('page') ?? '1')))).toBe(30);
    expect(t.stdout()).toBe(Array.from({ length: 30 }, (_, i) => `r${i + 1}\n`).join(''));
    expect(t.stderr()).toBe("oauthcli: stopped after 30 pages of api.github.com's listing (it says it has 1,000,000,000); raise the cap with --max-pages N\n");
  });

  it('repos against endless next links without a last page: stops at the cap', async () => {
    const http = endless();
    const t = world(http);
    expect(await cli(t, () => repos(t.world, undefined, { maxPages: '7', json: true }))).toBe(1);
    expect(http.requests).toHaveLength(7);
    expect(t.stderr()).toMatch(/^oauthcli: stopped after 7 pages/);
  });

  it('a bad --max-pages is a usage error before any request', async () => {
    const http = noRequestsHttpClient();
    const t = world(http);
    expect(await cli(t, () => api(t.world, 'user/repos', undefined, { rawField: [], field: [], header: [], paginate: true, maxPages: '0' }))).toBe(2);
    expect(await cli(t, () => repos(t.world, undefined, { maxPages: 'many' }))).toBe(2);
    expect(http.requests).toEqual([]);
  });
});
