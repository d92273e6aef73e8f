// A provider's repository listing as pages: either passed through as the provider wrote them
// (`--json`: never decoded or parsed, ~30 MB for 5,000 GitHub repositories), or as summaries
// for the table. Providers give the first page's URL, how to recognise one of their repositories,
// and how to summarise it; pagination itself is src/http/paginate.ts.
import { failure } from '../errors.js';
import { describeBody } from '../http/body-kind.js';
import type { HttpClient, HttpResponse } from '../http/client.js';
import type { JsonItems } from '../http/json-items.js';
import { paginate, type Page, type PaginateOptions } from '../http/paginate.js';
import type { ReceivedBody } from '../http/received-body.js';
import type { ResponseTimeBudget } from '../http/response-time-budget.js';
import { rejectUnsuccessful } from './api.js';
import type { RepoPage, RepoQuery, RepoSummary } from './types.js';

/** Items per page: the provider's largest, or just `limit` when that is smaller. */
export function pageSizeFor(query: RepoQuery, largest: number): number {
  return query.limit !== undefined ? Math.max(1, Math.min(largest, query.limit)) : largest;
}

export interface RepoListing<T> {
  http: HttpClient;
  url: URL;
  headers: Record<string, string>;
  accessToken: string;
  query: RepoQuery;
  pageSize: number;
  /** The provider's limit on server time, when it has one (src/http/response-time-budget.ts). */
  responseTimeBudget?: ResponseTimeBudget;
  signal?: AbortSignal;
  /** Whether a parsed item is one of this provider's repositories. */
  isRepo(item: unknown): item is T;
  summarize(item: T): RepoSummary;
}

export async function* repoPages<T>(listing: RepoListing<T>): AsyncGenerator<RepoPage, void, undefined> {
  const { query } = listing;
  const options: Omit<PaginateOptions<never[]>, 'parse'> = {
    http: listing.http,
    url: listing.url,
    headers: { ...listing.headers, authorization: `Bearer ${listing.accessToken}` },
    secrets: [listing.accessToken],
    signal: listing.signal,
    concurrency: query.concurrency,
    ...(query.expectedPages ? { expectedLastPage: query.expectedPages } : {}),
    limit: query.limit,
    ...(query.maxPages ? { maxPages: query.maxPages } : {}),
    pageSize: listing.pageSize,
    ...(listing.responseTimeBudget ? { responseTimeBudget: listing.responseTimeBudget } : {}),
    check: rejectUnsuccessful,
  };
  if (query.asJson) {
    for await (const page of paginate<JsonItems>({ ...options, parse: (body, res) => repoItems(body, res, listing.isRepo) })) {
      yield { count: page.items.length, json: page.items, ...listingSize(page, listing.pageSize), more: page.more };
    }
    return;
  }
  for await (const page of paginate<T[]>({ ...options, parse: (body, res) => parseRepos(body, res, listing.isRepo) })) {
    // Parsed: the body's bytes are no longer needed.
    page.release();
    yield {
      count: page.items.length,
      repos: page.items.map((item) => listing.summarize(item)),
      ...listingSize(page, listing.pageSize),
      more: page.more,
    };
  }
}

/** How big the listing is, from what its first page's links said (RepoPage.estimatedTotal, RepoPage.lastPage). */
function listingSize(page: Page<unknown[] | JsonItems>, pageSize: number): Pick<RepoPage, 'estimatedTotal' | 'lastPage'> {
  if (!page.lastPage) return {};
  return { estimatedTotal: page.lastPage * pageSize, ...(page.predictable ? { lastPage: page.lastPage } : {}) };
}

const where = (res: HttpResponse) => `${res.url.host} ${res.url.pathname}`;

function notRepos(res: HttpResponse, body: ReceivedBody): never {
  const what = describeBody(body.start(100), res.headers['content-type']) === 'an HTML page' ? 'an HTML page' : 'something other than a list of repositories';
  throw failure(`${where(res)} answered with ${what}`, { code: 'malformed_response' });
}

function parseRepos<T>(body: ReceivedBody, res: HttpResponse, isRepo: (item: unknown) => item is T): T[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.text());
  } catch {
    notRepos(res, body);
  }
  if (!Array.isArray(parsed) || !parsed.every(isRepo)) notRepos(res, body);
  return parsed as T[];
}

/** The page's items found without parsing them; the first is parsed to check it is a repository. */
function repoItems(body: ReceivedBody, res: HttpResponse, isRepo: (item: unknown) => boolean): JsonItems {
  let items: JsonItems;
  try {
    items = body.jsonItems();
  } catch {
    notRepos(res, body);
  }
  if (items.length > 0) {
    let item: unknown;
    try {
      const text = items.item(0);
      // Raw control characters inside strings are invalid JSON, but harmless once escaped on output.
      item = JSON.parse(items.mayHoldControls ? text.replace(/[\u0000-\u001f]/g, ' ') : text);
    } catch {
      notRepos(res, body);
    }
    if (!isRepo(item)) notRepos(res, body);
  }
  return items;
}
