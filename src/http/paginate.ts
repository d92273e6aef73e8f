// Link-header pagination (RFC 8288), provider-neutral. Page 1 first; when its `Link` names a
// `rel="last"` page by number, pages 2..last are fetched with bounded concurrency; otherwise
// `rel="next"` is followed one page at a time. Pages come out in the provider's order, each as
// soon as it and every page before it are in. At most `concurrency` pages are in flight or
// waiting to be taken (besides the one being handed on): memory stays bounded however long the
// listing is, and a slow reader of the output slows the requests down instead of piling pages up.
// Callers see each page's status, headers, body (received-body.ts) and parsed items.
import { failure } from '../errors.js';
import type { HttpClient, HttpResponse } from './client.js';
import { MAX_LISTING_PAGES, MAX_PAGE_BYTES, pageCapMessage } from './limits.js';
import { ReceivedBody } from './received-body.js';
import { responseTimePacer, type ResponseTimeBudget } from './response-time-budget.js';
import { keepListingHeapSmall } from '../v8-flags.js';

/** What a page's parse gives: its items, which `limit` may cut (an array, or JsonItems). */
export interface Items<P> {
  readonly length: number;
  slice(start: number, end: number): P;
}

export interface PaginateOptions<P extends Items<P>> {
  http: HttpClient;
  /** The first page's URL, with every query parameter (the page size included). */
  url: string | URL;
  /** How a page is asked for; default: a GET through `http` with `headers`, retried as idempotent. */
  request?(url: URL, signal: AbortSignal): Promise<HttpResponse>;
  headers?: Record<string, string>;
  /** Values to hide from the --debug trace (the token). */
  secrets?: string[];
  signal?: AbortSignal;
  /** Most requests in flight (or pages fetched but not yet taken) at once. Default 24; 1 = one after another. */
  concurrency?: number;
  /** Stop after this many items: only the pages that hold them are requested. */
  limit?: number;
  /** Items per page as asked for in `url`: tells which pages hold the first `limit` items. */
  pageSize?: number;
  /** The most server time (response time, summed) the listing's requests may take per window: the provider's limit, when it has one. */
  responseTimeBudget?: ResponseTimeBudget;
  /**
   * How many pages the same listing had last time, when known. Pages 2 up to that one (at most
   * `concurrency` of them; none when it is 1) are then asked for together with page 1 instead of
   * after its answer, which saves a round trip. Page 1's `Link` still decides: a page it does not
   * name the same way, or one past its last page, is dropped unread.
   */
  expectedLastPage?: number;
  /** The most pages followed (default MAX_LISTING_PAGES); a listing with more stops there with a failure. A `rel="last"` past it is not believed. */
  maxPages?: number;
  /** The query parameter that numbers pages in the provider's links. Default `page`. */
  pageParam?: string;
  /** Rejects a response that is not a page (401, 404, …). Default: any status ≥ 400 is a failure. */
  check?(res: HttpResponse): Promise<void>;
  /** A page's body → its items; throws on a malformed page. Called once per page, when it is taken. */
  parse(body: ReceivedBody, res: HttpResponse): P;
}

export interface Page<P> {
  /** 1-based position in the listing. */
  number: number;
  status: number;
  url: URL;
  headers: Record<string, string>;
  items: P;
  /** The body as received: lets a caller pass items through without decoding or re-serialising them. */
  body: ReceivedBody;
  /** True when `limit` cut this page short: `items` are then only the first of the body's items. */
  truncated: boolean;
  /** Whether the listing goes on after this page (more pages, or items cut by `limit`). */
  more: boolean;
  /** How many pages the listing has, when the first page's `Link: rel="last"` said. */
  lastPage?: number;
  /**
   * With `lastPage`: the provider's page links are the first page's URL with another page number,
   * so a later listing may ask for its pages before page 1 names them (`expectedLastPage`).
   */
  predictable?: boolean;
  /** Frees the page's body now: for a caller done with `body` and `items`, which are empty afterwards. */
  release(): void;
}

export const DEFAULT_PAGE_CONCURRENCY = 24;

interface Fetched {
  res: HttpResponse;
  body: ReceivedBody;
  links: Links;
}

/** A page whose status and headers are in, its body still to read. */
interface Head extends Omit<Fetched, 'body'> {
  /** Tells the pacer the response is over. */
  finished(): void;
}

export async function* paginate<P extends Items<P>>(options: PaginateOptions<P>): AsyncGenerator<Page<P>, void, undefined> {
  keepListingHeapSmall();
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_PAGE_CONCURRENCY));
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const maxPages = Math.max(1, Math.floor(options.maxPages ?? MAX_LISTING_PAGES));
  const pageParam = options.pageParam ?? 'page';
  const firstUrl = new URL(options.url);
  const check = options.check ?? defaultCheck;

  // Aborts requests still in flight when the caller stops early, a page fails, or on Ctrl-C.
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  if (options.signal?.aborted) controller.abort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const pacer = options.responseTimeBudget ? responseTimePacer(options.responseTimeBudget) : undefined;
  // A page's status and links come with its headers, before its body.
  const requestPage = async (url: URL): Promise<Head> => {
    const finished = pacer ? await pacer.start(controller.signal) : () => undefined;
    try {
      const res = options.request
        ? await options.request(url, controller.signal)
        : await options.http.request({
            url,
            headers: options.headers,
            secrets: options.secrets,
            signal: controller.signal,
            retry: true,
            maxBodyBytes: MAX_PAGE_BYTES,
          });
      await check(res);
      return { res, links: parseLinkHeader(res.headers.link, res.url), finished };
    } catch (error) {
      finished();
      throw error;
    }
  };
  const readBody = async ({ finished, ...head }: Head): Promise<Fetched> => {
    try {
      return { ...head, body: new ReceivedBody(await head.res.chunks(), () => head.res.release()) };
    } finally {
      finished();
    }
  };
  const fetchPage = async (url: URL): Promise<Fetched> => readBody(await requestPage(url));
  // A link is followed with the caller's credentials: only ever to the origin of the first page.
  const followable = (url: URL): URL => {
    if (url.origin !== firstUrl.origin) {
      throw failure(`${firstUrl.host} sent a pagination link to another origin (${url.origin}); not following it`, {
        code: 'bad_pagination_link',
      });
    }
    return url;
  };

  let seen = 0;
  let lastPage: number | undefined;
  let predictable = false;
  const take = (number: number, fetched: Fetched, continues: boolean): Page<P> => {
    const { res, body } = fetched;
    const all = options.parse(body, res);
    const room = limit - seen;
    const truncated = all.length > room;
    const items = truncated ? all.slice(0, room) : all;
    seen += items.length;
    const release = () => body.release();
    return { number, status: res.status, url: res.url, headers: res.headers, items, body, truncated, more: truncated || continues, ...(lastPage ? { lastPage, predictable } : {}), release };
  };

  const pagesFor = (items: number) =>
    options.pageSize && Number.isFinite(items) ? Math.ceil(items / options.pageSize) : Number.POSITIVE_INFINITY;
  const start = (url: URL): Promise<Fetched> => {
    const pending = fetchPage(url);
    pending.catch(() => undefined); // awaited in order below, or dropped; never an unhandled rejection
    return pending;
  };
  const inflight = new Map<number, Promise<Fetched>>();
  // Guessed pages dropped unread (page 1 said they are not the listing's): aborted at the end.
  let dropped = false;
  let fetched: Fetched;
  try {
    const firstHead = requestPage(firstUrl);
    // One page at a time (concurrency 1) means no page before page 1 has answered.
    const guess = concurrency > 1 ? Math.min(options.expectedLastPage ?? 1, 1 + concurrency, pagesFor(limit), maxPages) : 1;
    // Pages 2..guess, asked for on last time's page count before page 1 says how many there are.
    for (let n = 2; n <= guess; n++) inflight.set(n, start(numbered(firstUrl, pageParam, n)));
    const first = await firstHead;
    // A `last` on another origin is refused once page 1 is out, as a `next` there would be.
    let refusedLast: unknown;
    let lastUrl: URL | undefined;
    try {
      lastUrl = first.links.last ? followable(first.links.last) : undefined;
    } catch (error) {
      refusedLast = error;
    }
    const lastNumber = lastUrl ? pageNumberOf(lastUrl, pageParam) : undefined;
    lastPage = lastNumber;
    predictable = lastUrl !== undefined && lastNumber !== undefined && sameResource(numbered(firstUrl, pageParam, lastNumber), lastUrl);
    let number = 1;
    // A guessed page is the listing's only if page 1's links name pages as the first URL does
    // (predictable), and only up to its last page.
    for (let n = 2; n <= guess; n++) {
      if (!predictable || n > lastNumber!) {
        inflight.delete(n);
        dropped = true;
      }
    }

    if (lastUrl && lastNumber !== undefined && lastNumber > 1) {
      // The pages that hold `limit` items if every page is full (a short page extends the plan below).
      // Never more than the cap, whatever `rel="last"` says (a page 1,000,000,000 is not believed).
      let stop = Math.max(1, Math.min(lastNumber, pagesFor(limit), maxPages));
      let next = 2;
      // Starts the pages up to `upTo` (and `stop`) not started yet.
      const fill = (upTo: number) => {
        for (; next <= stop && next <= upTo; next++) {
          if (!inflight.has(next)) inflight.set(next, start(numbered(lastUrl, pageParam, next)));
        }
      };
      // The next pages are on their way before page 1's body is even read (and then written out).
      fill(1 + concurrency);
      fetched = await readBody(first);
      yield take(1, fetched, true);
      if (seen >= limit) return;
      if (stop === 1) stop = Math.min(lastNumber, 1 + pagesFor(limit - seen), maxPages);
      for (number = 2; number <= stop; number++) {
        fill(number + concurrency - 1);
        fetched = await inflight.get(number)!;
        inflight.delete(number);
        // This page is in: its slot goes to the next request before the page is handed on.
        fill(number + concurrency);
        const atEnd = number === lastNumber;
        const page = take(number, fetched, !atEnd || fetched.links.next !== undefined);
        yield page;
        if (seen >= limit) return;
        // A short page (the listing changed under us) leaves `limit` unmet: plan a few more.
        if (number === stop && stop < lastNumber) stop = Math.min(lastNumber, number + pagesFor(limit - seen), maxPages);
        if (number === maxPages && seen < limit && (number < lastNumber || fetched.links.next)) throw failure(pageCapMessage(firstUrl.host, maxPages, lastNumber), { code: 'too_many_pages' });
      }
      // The listing grew while we read it: carry on from the last page's `next`, one at a time.
      if (!fetched.links.next) return;
      number = lastNumber;
    } else {
      fetched = await readBody(first);
      yield take(1, fetched, fetched.links.next !== undefined);
      if (refusedLast) throw refusedLast;
    }

    const visited = new Set<string>([firstUrl.href, fetched.res.url.href]);
    while (seen < limit && fetched.links.next) {
      if (number >= maxPages) throw failure(pageCapMessage(firstUrl.host, maxPages), { code: 'too_many_pages' });
      const url = followable(fetched.links.next);
      if (visited.has(url.href)) {
        throw failure(`${firstUrl.host} sent a pagination link back to a page already read (${url.pathname}${url.search})`, {
          code: 'bad_pagination_link',
        });
      }
      visited.add(url.href);
      fetched = await fetchPage(url);
      number += 1;
      yield take(number, fetched, fetched.links.next !== undefined);
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (inflight.size > 0 || dropped) controller.abort();
  }
}

/** `url` with its page number set to `n`. */
function numbered(url: URL, pageParam: string, n: number): URL {
  const out = new URL(url);
  out.searchParams.set(pageParam, String(n));
  return out;
}

/** The same page of the same listing: origin, path and query parameters, in whatever order. */
function sameResource(a: URL, b: URL): boolean {
  const query = (url: URL) => [...url.searchParams].map(([k, v]) => `${k}=${v}`).sort().join('&');
  return a.origin === b.origin && a.pathname === b.pathname && query(a) === query(b);
}

async function defaultCheck(res: HttpResponse): Promise<void> {
  if (res.status < 400) return;
  await res.dump();
  throw failure(`${res.url.host} answered HTTP ${res.status} for ${res.url.pathname}`, { code: `http_${res.status}` });
}

export type Links = Partial<Record<string, URL>>;

/**
 * `<https://api.github.com/user/repos?page=2>; rel="next", <…?page=50>; rel="last"` →
 * `{ next: URL, last: URL }`. Relative references resolve against `base`; a link with several
 * relation types (`rel="next last"`) counts for each; the first link of a relation wins.
 */
export function parseLinkHeader(header: string | undefined, base: string | URL): Links {
  const links: Links = {};
  if (!header) return links;
  for (const match of header.matchAll(/<([^>]*)>([^<]*)/g)) {
    let url: URL;
    try {
      url = new URL(match[1]!, base);
    } catch {
      continue;
    }
    for (const param of (match[2] ?? '').matchAll(/;\s*([^\s=;,]+)\s*=\s*(?:"([^"]*)"|([^\s;,]+))/g)) {
      if (param[1]!.toLowerCase() !== 'rel') continue;
      for (const rel of (param[2] ?? param[3] ?? '').toLowerCase().split(/\s+/)) {
        if (rel && !links[rel]) links[rel] = url;
      }
    }
  }
  return links;
}

function pageNumberOf(url: URL, pageParam: string): number | undefined {
  const raw = url.searchParams.get(pageParam);
  if (raw === null || !/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}
