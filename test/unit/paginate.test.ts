// src/http/paginate.ts against the fake GitHub's /user/repos (Link headers, per-page delays,
// faults) through the real HTTP client: order, bounded concurrency, rel="next" fallback, limits,
// retries, and the links it refuses to follow.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClient } from '../../src/http/client.js';
import { paginate, parseLinkHeader, type Page } from '../../src/http/paginate.js';
import type { ResponseTimeBudget } from '../../src/http/response-time-budget.js';
import { startFakeGitHub, type FakeGitHub } from '../support/github-server.js';
import { until } from '../support/until.js';

interface Repo {
  full_name: string;
  name: string;
}

let server: FakeGitHub;
let token: string;
const noWait = async () => undefined;

// A fresh fake per test: a request a test aborted can still reach a shared fake after that test
// ended, and would then count among the next test's requests.
beforeEach(async () => {
  server = await startFakeGitHub();
  token = server.issueToken('octocat').access_token;
});
afterEach(async () => {
  await server.close();
});

/** An HttpClient that also records the most requests it ever had in flight at once, and how many are in flight now. */
function trackingClient(): HttpClient & { maxInFlight: number; inFlight: number } {
  const inner = createHttpClient({ sleep: noWait });
  const client = {
    maxInFlight: 0,
    inFlight: 0,
    async request(req: Parameters<HttpClient['request']>[0]) {
      client.inFlight += 1;
      client.maxInFlight = Math.max(client.maxInFlight, client.inFlight);
      try {
        const res = await inner.request(req);
        // Count the body too: a page is in flight until it has been read.
        const body = await res.bytes();
        return { ...res, bytes: async () => body, text: async () => body.toString(), json: async <T>() => JSON.parse(body.toString()) as T };
      } finally {
        client.inFlight -= 1;
      }
    },
  };
  return client;
}

/**
 * A pageDelay that holds the answers to the pages `held` picks until `count` listing requests have
 * arrived at the fake, and records how many had arrived when they were let go. A client that waits
 * for a held answer before asking for the rest is let go after `giveUpMs`, and then fails the
 * test's assertion on `arrivedAtRelease` rather than its timeout.
 */
function holdUntilArrived(held: (page: number) => boolean, count: number, giveUpMs = 10_000) {
  const state: { arrivedAtRelease?: number } = {};
  let release: Promise<void> | undefined;
  server.setOptions({
    pageDelay: (page) => {
      if (!held(page)) return 0;
      release ??= until(() => repoRequests().length >= count, `${count} listing requests`, giveUpMs)
        .catch(() => undefined)
        .then(() => {
          state.arrivedAtRelease = repoRequests().length;
        });
      return release;
    },
  });
  return state;
}

function list(
  opts: { perPage?: number; limit?: number; concurrency?: number; http?: HttpClient; responseTimeBudget?: ResponseTimeBudget; expectedLastPage?: number } = {},
) {
  const perPage = opts.perPage ?? 100;
  return paginate<Repo[]>({
    http: opts.http ?? createHttpClient({ sleep: noWait }),
    url: `${server.url}/api/v3/user/repos?per_page=${perPage}`,
    headers: { authorization: `Bearer ${token}` },
    secrets: [token],
    pageSize: perPage,
    limit: opts.limit,
    concurrency: opts.concurrency,
    ...(opts.responseTimeBudget ? { responseTimeBudget: opts.responseTimeBudget } : {}),
    ...(opts.expectedLastPage ? { expectedLastPage: opts.expectedLastPage } : {}),
    parse: (body) => JSON.parse(body.text()) as Repo[],
  });
}

async function collect<T>(pages: AsyncIterable<Page<T>>): Promise<Page<T>[]> {
  const out: Page<T>[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

const names = (pages: Page<Repo[]>[]) => pages.flatMap((p) => p.items.map((r) => r.name));
const expected = (n: number) => Array.from({ length: n }, (_, i) => `repo-${String(i + 1).padStart(4, '0')}`);
const repoRequests = () => server.requests.filter((r) => r.path === '/api/v3/user/repos');

describe('paginate', () => {
  it('keeps the provider order when later pages answer first, with at most `concurrency` in flight', async () => {
    server.setRepos('octocat', 1050);
    // No page after the first is answered before pages 2-5 have all been asked for (so four are
    // in flight at once, however slowly this machine starts them); then page 2 is the slowest,
    // page 11 the quickest: answers arrive in reverse order.
    const firstFour = until(() => repoRequests().length >= 5, 'pages 1-5').catch(() => undefined);
    server.setOptions({ pageDelay: (page) => (page === 1 ? 0 : firstFour.then(() => new Promise((resolve) => setTimeout(resolve, (12 - page) * 15)))) });
    const http = trackingClient();
    const pages = await collect(list({ http, concurrency: 4 }));
    expect(pages.map((p) => p.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(names(pages)).toEqual(expected(1050));
    expect(pages.at(-1)!.more).toBe(false);
    expect(pages[0]!.more).toBe(true);
    expect(http.maxInFlight).toBe(4);
    expect(repoRequests().map((r) => r.query.page ?? '1').sort((a, b) => Number(a) - Number(b))).toEqual(
      ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'],
    );
  });

  it('fetches the pages after the first in parallel', async () => {
    server.setRepos('octocat', 900);
    // Pages 2..9 are answered only once all nine requests have arrived: they were all asked for
    // before any of them was answered.
    const held = holdUntilArrived((page) => page > 1, 9);
    const pages = await collect(list());
    expect(names(pages)).toEqual(expected(900));
    const later = repoRequests().filter((r) => r.query.page !== undefined && r.query.page !== '1');
    expect(later).toHaveLength(8);
    expect(held.arrivedAtRelease).toBe(9);
  });

  it("holds pages back once they have taken the provider's server-time budget (GitHub's secondary limit)", async () => {
    server.setRepos('octocat', 800);
    // Without a budget, pages 2-8 are all asked for before any is answered.
    const held = holdUntilArrived((page) => page > 1, 8);
    const free = trackingClient();
    expect(names(await collect(list({ http: free })))).toEqual(expected(800));
    expect(held.arrivedAtRelease).toBe(8);
    expect(free.maxInFlight).toBe(7);
    // 100 ms of response time per 400 ms: about two pages of 40 ms at a time. Each answer takes
    // at least its 40 ms, and longer on a busy machine, which only holds more pages back.
    server.setOptions({ pageDelay: undefined, latencyMs: 40 });
    server.requests.length = 0;
    const paced = trackingClient();
    expect(names(await collect(list({ http: paced, responseTimeBudget: { windowMs: 400, maxMs: 100 } })))).toEqual(expected(800));
    expect(paced.maxInFlight).toBeLessThanOrEqual(3);
  });

  it('yields each page as soon as it and the pages before it are in', async () => {
    server.setRepos('octocat', 300);
    // Page 3 is answered when the test has page 2 (or, if page 2 waited for it, after 10 s).
    let releasePage3!: () => void;
    const page3Gate = new Promise<void>((resolve) => {
      releasePage3 = resolve;
    });
    const giveUp = setTimeout(() => releasePage3(), 10_000);
    let page3Answered = false;
    server.setOptions({ pageDelay: (page) => (page === 3 ? page3Gate.then(() => void (page3Answered = true)) : 0) });
    const seen: { number: number; page3Answered: boolean }[] = [];
    try {
      for await (const page of list()) {
        seen.push({ number: page.number, page3Answered });
        if (page.number === 2) releasePage3();
      }
    } finally {
      clearTimeout(giveUp);
    }
    expect(seen).toEqual([
      { number: 1, page3Answered: false },
      { number: 2, page3Answered: false }, // page 2 did not wait for page 3
      { number: 3, page3Answered: true },
    ]);
  });

  it('follows rel="next" one page at a time when there is no rel="last"', async () => {
    server.setRepos('octocat', 250);
    server.setOptions({ omitLastLink: true });
    const http = trackingClient();
    const pages = await collect(list({ http }));
    expect(names(pages)).toEqual(expected(250));
    expect(http.maxInFlight).toBe(1);
    expect(repoRequests().map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);
  });

  it('with a limit, requests only the pages that hold it and cuts the last one', async () => {
    server.setRepos('octocat', 1000);
    const pages = await collect(list({ limit: 250 }));
    expect(names(pages)).toEqual(expected(250));
    expect(repoRequests()).toHaveLength(3);
    expect(pages.at(-1)).toMatchObject({ truncated: true, more: true });
    expect(pages[0]!.truncated).toBe(false);

    server.requests.length = 0;
    const exact = await collect(list({ limit: 200 }));
    expect(names(exact)).toEqual(expected(200));
    expect(repoRequests()).toHaveLength(2);
    expect(exact.at(-1)).toMatchObject({ truncated: false, more: true });

    server.requests.length = 0;
    server.setOptions({ omitLastLink: true });
    const viaNext = await collect(list({ limit: 150 }));
    expect(names(viaNext)).toEqual(expected(150));
    expect(repoRequests()).toHaveLength(2);
  });

  it('a limit larger than the listing reads it all and says nothing more exists', async () => {
    server.setRepos('octocat', 120);
    const pages = await collect(list({ limit: 5000 }));
    expect(names(pages)).toEqual(expected(120));
    expect(pages.at(-1)!.more).toBe(false);
    expect(repoRequests()).toHaveLength(2);
  });

  it('one page, and an empty listing', async () => {
    server.setRepos('octocat', 1);
    expect(names(await collect(list()))).toEqual(['repo-0001']);
    server.setRepos('octocat', 0);
    const empty = await collect(list());
    expect(empty).toHaveLength(1);
    expect(empty[0]!.items).toEqual([]);
    expect(empty[0]!.body.jsonItems().length).toBe(0);
  });

  /** Injects `fault` once page 1 has been answered, so that it hits the pages after it. */
  function failAfterFirstPage(fault: Parameters<FakeGitHub['fail']>[1]) {
    let armed = false;
    server.setOptions({
      pageDelay: (page) => {
        if (page === 1 && !armed) {
          armed = true;
          server.fail('/api/v3/user/repos', fault);
        }
        return 0;
      },
    });
  }

  it('retries a later page that answers 5xx or resets the connection', async () => {
    server.setRepos('octocat', 300);
    failAfterFirstPage({ status: 502, times: 1 });
    expect(names(await collect(list()))).toEqual(expected(300));
    expect(repoRequests().filter((r) => r.fault)).toHaveLength(1);
    expect(repoRequests()).toHaveLength(4);

    server.requests.length = 0;
    failAfterFirstPage({ destroySocket: true, times: 2 });
    expect(names(await collect(list()))).toEqual(expected(300));
    expect(repoRequests().filter((r) => r.fault)).toHaveLength(2);
  });

  it('stops after the pages before a page that keeps failing, and on an error answer', async () => {
    server.setRepos('octocat', 300);
    failAfterFirstPage({ status: 503, times: Number.POSITIVE_INFINITY });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const page of list()) seen.push(page.number);
      })(),
    ).rejects.toThrow(/HTTP 503/);
    expect(seen).toEqual([1]);
    server.clearFaults();
    server.setOptions({ pageDelay: undefined });
    // Every request answers 404, page 1's too, however many requests aborted above arrive late.
    server.fail('/api/v3/user/repos', { status: 404, body: { message: 'Not Found' }, times: Number.POSITIVE_INFINITY });
    await expect(collect(list())).rejects.toThrow(/HTTP 404/);
  });

  it('stopping early leaves no request unanswered and no unhandled rejection', async () => {
    server.setRepos('octocat', 1000);
    // The pages after page 1 are never answered while the test runs: only an abort ends them.
    server.setOptions({ pageDelay: (page) => (page === 1 ? 0 : new Promise(() => undefined)) });
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const http = trackingClient();
      let taken = 0;
      for await (const page of list({ http, concurrency: 8 })) {
        taken += page.items.length;
        break;
      }
      expect(taken).toBe(100);
      expect(http.maxInFlight).toBe(8);
      // Every request the listing started has ended (aborted), and a turn of the event loop later
      // none of them left a rejection unhandled.
      await until(() => http.inFlight === 0, 'the requests in flight to be aborted');
      await new Promise((resolve) => setImmediate(resolve));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});

describe("with last time's page count (expectedLastPage)", () => {
  const pagesAsked = () => repoRequests().map((r) => Number(r.query.page ?? '1')).sort((a, b) => a - b);

  it('asks for the pages together with page 1, and for no page more', async () => {
    server.setRepos('octocat', 900);
    // Page 1 is answered only once all nine requests have arrived: all nine were asked for before it
    // was answered.
    const held = holdUntilArrived((page) => page === 1, 9);
    const pages = await collect(list({ expectedLastPage: 9 }));
    expect(names(pages)).toEqual(expected(900));
    expect(pages.map((p) => p.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(pages.at(-1)!.more).toBe(false);
    expect(pagesAsked()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(pages[0]).toMatchObject({ lastPage: 9, predictable: true });
    expect(held.arrivedAtRelease).toBe(9);
  });

  it('a listing that shrank: the pages past its last are dropped, and the listing is whole', async () => {
    server.setRepos('octocat', 300);
    // Page 1 is answered once the guessed pages' requests are in: pages 4-6 were asked for on the
    // guess (and answered with empty arrays), never handed on.
    const held = holdUntilArrived((page) => page === 1, 6);
    const pages = await collect(list({ expectedLastPage: 6 }));
    expect(names(pages)).toEqual(expected(300));
    expect(pages.map((p) => p.number)).toEqual([1, 2, 3]);
    expect(pages.at(-1)!.more).toBe(false);
    expect(held.arrivedAtRelease).toBe(6);
    expect(pagesAsked()).toEqual([1, 2, 3, 4, 5, 6]);

    server.requests.length = 0;
    server.setOptions({ pageDelay: undefined });
    server.setRepos('octocat', 40);
    const one = await collect(list({ expectedLastPage: 6 }));
    expect(names(one)).toEqual(expected(40));
    expect(one).toHaveLength(1);
  });

  it('a listing that grew: the pages past the guess come as usual', async () => {
    server.setRepos('octocat', 1200);
    const pages = await collect(list({ expectedLastPage: 3, concurrency: 4 }));
    expect(names(pages)).toEqual(expected(1200));
    expect(pagesAsked()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('guesses no further than `concurrency` pages past page 1, nor past `limit`', async () => {
    server.setRepos('octocat', 2000);
    server.setOptions({ pageDelay: (page) => (page === 1 ? 100 : 0) });
    const http = trackingClient();
    expect(names(await collect(list({ http, expectedLastPage: 20, concurrency: 4 })))).toEqual(expected(2000));
    expect(http.maxInFlight).toBeLessThanOrEqual(5);
    expect(pagesAsked()).toHaveLength(20);

    server.requests.length = 0;
    const limited = await collect(list({ expectedLastPage: 20, limit: 150 }));
    expect(names(limited)).toEqual(expected(150));
    expect(pagesAsked()).toEqual([1, 2]);

    // Concurrency 1 is one page after another: nothing is asked for before page 1 has answered.
    server.requests.length = 0;
    server.setRepos('octocat', 300);
    const serial = await collect(list({ expectedLastPage: 3, concurrency: 1 }));
    expect(names(serial)).toEqual(expected(300));
    const [one, ...rest] = repoRequests();
    expect(one!.query.page).toBeUndefined();
    expect(Math.min(...rest.map((r) => r.time)) - one!.time).toBeGreaterThanOrEqual(90);
  });

  it('a guessed page that page 1 links to by another URL is asked for again by that URL', async () => {
    let seen: string[] = [];
    const other = createServer(async (req, res) => {
      seen.push(req.url!);
      const url = new URL(req.url!, 'http://x');
      const page = Number(url.searchParams.get('page') ?? '1');
      // Page 1 answers once the two guessed pages' requests are in, so all of them are seen.
      if (page === 1) await until(() => seen.length >= 3, 'the guessed pages 2 and 3').catch(() => undefined);
      res.setHeader('content-type', 'application/json');
      // The provider's links carry a cursor the first URL did not have.
      const next = page < 3 ? `</items?cursor=c&page=${page + 1}>; rel="next", ` : '';
      res.setHeader('link', `${next}</items?cursor=c&page=3>; rel="last"`);
      res.end(JSON.stringify([{ full_name: `a/${page}`, name: String(page) }]));
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    try {
      const pages = await collect(
        paginate<Repo[]>({
          http: createHttpClient({ sleep: noWait }),
          url: `http://127.0.0.1:${(other.address() as AddressInfo).port}/items`,
          expectedLastPage: 3,
          parse: (body) => JSON.parse(body.text()) as Repo[],
        }),
      );
      expect(pages.flatMap((p) => p.items.map((r) => r.name))).toEqual(['1', '2', '3']);
      // Nothing for a later listing to guess from: its links are not the first URL's.
      expect(pages[0]).toMatchObject({ lastPage: 3, predictable: false });
      expect(seen.sort()).toEqual(['/items', '/items?cursor=c&page=2', '/items?cursor=c&page=3', '/items?page=2', '/items?page=3']);
    } finally {
      other.closeAllConnections();
      await new Promise((r) => other.close(r));
      seen = [];
    }
  });
});

describe('links paginate refuses to follow', () => {
  let evil: Server;
  let evilUrl: string;
  let linkFor: (url: string) => string;
  beforeAll(async () => {
    evil = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('link', linkFor(`http://${req.headers.host}${req.url}`));
      res.end('[{"full_name":"a/b","name":"b"}]');
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => evil.close(r));
  });

  const run = () =>
    collect(
      paginate<Repo[]>({
        http: createHttpClient({ sleep: noWait }),
        url: `${evilUrl}/items?page=1`,
        headers: { authorization: 'Bearer secret' },
        parse: (body) => JSON.parse(body.text()) as Repo[],
      }),
    );

  it('a link to another origin (the token would go with it)', async () => {
    linkFor = () => '<http://localhost:1/steal?page=2>; rel="next"';
    await expect(run()).rejects.toThrow(/another origin/);
    linkFor = () => '<http://localhost:1/steal?page=9>; rel="last"';
    await expect(run()).rejects.toThrow(/another origin/);
  });

  it('a next link back to a page already read', async () => {
    linkFor = (self) => `<${self.replace(/page=\d+/, 'page=1')}>; rel="next"`;
    await expect(run()).rejects.toThrow(/already read/);
  });
});

describe('parseLinkHeader', () => {
  it('reads GitHub links, relative links, several rels and odd spacing', () => {
    const base = 'https://api.github.com/user/repos?per_page=100';
    const links = parseLinkHeader(
      '<https://api.github.com/user/repos?per_page=100&page=2>; rel="next", <https://api.github.com/user/repos?per_page=100&page=50>; rel="last"',
      base,
    );
    expect(links.next?.href).toBe('https://api.github.com/user/repos?per_page=100&page=2');
    expect(links.last?.searchParams.get('page')).toBe('50');
    const odd = parseLinkHeader('</r?page=3> ;rel=next,</r?page=1>; title="a, b"; rel="prev first"', base);
    expect(odd.next?.href).toBe('https://api.github.com/r?page=3');
    expect(odd.prev?.href).toBe('https://api.github.com/r?page=1');
    expect(odd.first?.href).toBe('https://api.github.com/r?page=1');
    expect(parseLinkHeader(undefined, base)).toEqual({});
    expect(parseLinkHeader('garbage', base)).toEqual({});
  });

});


