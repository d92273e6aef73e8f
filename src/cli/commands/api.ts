// `oauthcli api [provider] <endpoint>`: calls the provider's API with the account's token, like
// `gh api` (cli/cli pkg/cmd/api): the same flags mean the same request. Every flag is checked,
// and the URL is known to be on an origin the provider owns, before the keychain is read or
// anything is sent. The pieces: src/api/fields.ts (-f/-F), encode.ts (query and JSON),
// endpoint.ts (where), headers.ts (-H), send.ts (redirects), graphql.ts, error-message.ts;
// ../json/api-printer.ts prints.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { addPerPage, resolveEndpoint, type Target } from '../../api/endpoint.js';
import { errorBodyMessage, graphqlErrors } from '../../api/error-message.js';
import { fieldsToJson, fieldsToQuery, withQuery } from '../../api/encode.js';
import { isEmpty, parseFields, type FieldMap } from '../../api/fields.js';
import { groupGraphqlVariables, nextEndCursor } from '../../api/graphql.js';
import { defaultApiHeaders, parseHeaderFlags } from '../../api/headers.js';
import { send } from '../../api/send.js';
import { failure, notSignedIn, usageError } from '../../errors.js';
import type { HttpClient } from '../../http/client.js';
import { MAX_LISTING_PAGES, pageCapMessage } from '../../http/limits.js';
import { paginate } from '../../http/paginate.js';
import { ReceivedBody } from '../../http/received-body.js';
import type { ResponseTimeBudget } from '../../http/response-time-budget.js';
import type { Provider } from '../../providers/types.js';
import { configuredTenant } from '../../session/client-credentials.js';
import { openSession } from '../../session/open-session.js';
import { loginCommandFor } from '../../session/sign-in-needed.js';
import { ListingPages } from '../../store/listing-pages.js';
import { ApiPrinter } from '../json/api-printer.js';
import { readStdinBytes } from '../terminal/stdin.js';
import type { World } from '../world.js';

export interface ApiOptions {
  hostname?: string;
  user?: string;
  method?: string;
  rawField?: string[];
  field?: string[];
  header?: string[];
  input?: string;
  paginate?: boolean;
  include?: boolean;
  silent?: boolean;
  jq?: string;
  /** OWNER/REPO for {owner} and {repo} (else GH_REPO, else the git remote). */
  repo?: string;
  /** --paginate follows at most this many pages (default MAX_LISTING_PAGES). */
  maxPages?: string;
}

/** The longest provider message quoted on the error line. */
const MAX_MESSAGE = 300;

export async function run(world: World, first: string, second: string | undefined, opts: ApiOptions): Promise<number> {
  const [providerName, endpoint] = second === undefined ? [undefined, first] : [first, second];
  const flags = await readFlags(world, opts);

  const account = world.selectAccount({ provider: providerName, hostname: opts.hostname, user: opts.user });
  const provider = world.providers.get(account.provider);
  // The HTTP client's modules load while the endpoint is checked and the keychain read, as for
  // `repos`: a provider whose endpoints need no request (discovery) does not wait for them first.
  const loading = world.http();
  loading.catch(() => undefined);
  const lazyHttp: HttpClient = { request: async (req) => (await loading).request(req) };
  // Where first, so a URL on a foreign host fails before the keychain is even read.
  const endpoints = await provider.endpoints(account.host, lazyHttp, world.signal, account.tenant ?? configuredTenant(world, provider));
  // {owner}, {repo}, {branch}: from --repo / GH_REPO or the current git repository, as gh does.
  const { fillPlaceholders } = await import('../../git/repo-context.js');
  const target = resolveEndpoint(endpoints, await fillPlaceholders(world, endpoint, { repo: opts.repo, host: account.host }));
  if (flags.paginate && !target.graphql && flags.method !== 'GET') {
    throw usageError(`--paginate follows pages of a GET request, not ${flags.method}${flags.methodGiven ? '' : ' (fields make it a POST: add -X GET to send them as query parameters)'}`, 'bad_flags');
  }
  const request = firstRequest(flags, target, provider);

  const session = await openSession(world, account);
  const printer = new ApiPrinter(world, { include: flags.include, silent: flags.silent, jq: flags.jq, paginate: flags.paginate });
  const fail = (status: number, url: URL, headers: Record<string, string>, body: string, gqlError: string | undefined) =>
    apiError(world, { status, url, headers, body, gqlError, provider, host: account.host });
  const responseTimeBudget = provider.restApi?.responseTimeBudget;
  const http = await loading;
  await exchange({ http, token: session.tokens.accessToken, signal: world.signal, printer, flags, target, request, responseTimeBudget, cacheDir: world.cacheDir, accountKey: account.key, fail });
  return 0;
}

interface Request {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  /** The body of the fields (GraphQL's regrouped), to send again with a new endCursor. */
  bodyFor(params: FieldMap): string | undefined;
}

/** The first request, as gh builds it from the flags. */
function firstRequest(flags: Flags, target: Target, provider: Provider): Request {
  let url = target.url;
  if (flags.paginate && !target.graphql && provider.restApi?.perPage) url = addPerPage(url, Object.keys(flags.params));
  const headers = defaultApiHeaders(provider);
  const bodyFor = (params: FieldMap): string | undefined => (isEmpty(params) ? undefined : fieldsToJson(target.graphql ? groupGraphqlVariables(params) : params));
  let body: string | Uint8Array | undefined;
  if (flags.input !== undefined) {
    // gh: with --input the body is the file, and the fields go to the query string.
    url = withQuery(url, fieldsToQuery(flags.params));
    body = flags.input;
  } else if (flags.method === 'GET' || flags.method === 'HEAD') {
    url = withQuery(url, fieldsToQuery(flags.params));
  } else {
    body = bodyFor(flags.params);
  }
  // gh's (go-gh's) content type for a body, the fields' JSON or --input's, unless -H gives one.
  if (body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
  Object.assign(headers, flags.headers);
  return { method: flags.method, url, headers, body, bodyFor };
}

interface Exchange {
  http: HttpClient;
  token: string;
  signal: AbortSignal;
  printer: ApiPrinter;
  flags: Flags;
  target: Target;
  request: Request;
  /** The provider's limit on server time, which a listing keeps to. */
  responseTimeBudget: ResponseTimeBudget | undefined;
  /** Where the page counts of listings read before are kept (ListingPages), and the account's key they are kept under. */
  cacheDir: string;
  accountKey: string;
  fail(status: number, url: URL, headers: Record<string, string>, body: string, gqlError: string | undefined): Error;
}

/** Sends the request and prints the answer; with --paginate, every page after it (Link headers, or GraphQL's endCursor). */
async function exchange(ex: Exchange): Promise<void> {
  const { printer } = ex;
  try {
    if (ex.flags.paginate && !ex.target.graphql) await listPages(ex);
    else await exchangeInTurn(ex);
  } finally {
    // An array left open is closed whatever stopped the output.
    await printer.finish();
  }
}

/** A page's answer: printed, then the one error line when it is not a success. */
async function printPage({ printer, target, fail }: Exchange, res: { status: number; url: URL; headers: Record<string, string> }, body: ReceivedBody, gqlError?: string): Promise<void> {
  const failed = res.status < 200 || res.status >= 300 || gqlError !== undefined;
  await printer.page({ status: res.status, headers: res.headers, body, failed, graphql: target.graphql });
  if (failed) throw fail(res.status, res.url, res.headers, body.text(), gqlError);
}

/**
 * REST --paginate, on the listing engine `repos` uses (src/http/paginate.ts): when page 1's
 * `Link` names the last page by number, the pages after it are asked for concurrently (the same
 * bound, the provider's pacing, retries), and printed in order, each freed once out; otherwise
 * `rel="next"` is followed one page at a time. Every page is asked for as a lone request is
 * (redirects followed, credentials only to the first origin: send.ts). As for `repos`, the page
 * count is remembered (src/store/listing-pages.ts), so the next time pages 2 up to it go with page 1.
 */
async function listPages(ex: Exchange): Promise<void> {
  const { http, token, signal, flags, request } = ex;
  const listings = new ListingPages(ex.cacheDir);
  // The listing's key holds a digest of the URL, never the URL: its query may carry anything.
  const listing = `${ex.accountKey} api ${createHash('sha256').update(request.url).digest('hex').slice(0, 32)}`;
  const expectedLastPage = listings.recall(listing);
  const pages = paginate({
    http,
    url: request.url,
    // gh: the fields were for the first request (as its query); the links carry the query.
    request: (url, pageSignal) => send(http, { method: 'GET', url: url.href, headers: request.headers, token, signal: pageSignal }),
    // A page that fails is printed, then stops the listing (printPage).
    check: async () => undefined,
    parse: () => [],
    signal,
    maxPages: flags.maxPages,
    ...(expectedLastPage ? { expectedLastPage } : {}),
    ...(ex.responseTimeBudget ? { responseTimeBudget: ex.responseTimeBudget } : {}),
  });
  let lastPage: number | undefined;
  for await (const page of pages) {
    if (page.lastPage && page.predictable) lastPage = page.lastPage;
    try {
      await printPage(ex, page, page.body);
    } finally {
      page.release();
    }
  }
  listings.remember(listing, lastPage ?? 1);
}

/** One request, or GraphQL's pages one after another: each page's endCursor goes into the next request. */
async function exchangeInTurn(ex: Exchange): Promise<void> {
  const { http, token, signal, flags, target, request } = ex;
  let { body } = request;
  const { method, url } = request;
  const cursors = new Set<string>();
  for (let pages = 1; ; pages++) {
    const res = await send(http, { method, url, headers: request.headers, body, token, signal });
    const bytes = method === 'HEAD' || res.status === 204 ? (await res.dump(), Buffer.alloc(0)) : await res.bytes();
    const ok = res.status >= 200 && res.status < 300;
    const gqlError = ok && target.graphql ? graphqlErrors(bytes.toString('utf8')) : undefined;
    // The next page, if any; a repeated cursor stops the listing once this page is printed.
    let next = false;
    let stop: unknown;
    if (ok && !gqlError && flags.paginate) {
      const cursor = nextEndCursor(bytes.toString('utf8'));
      if (cursor !== undefined) {
        if (cursors.has(cursor)) stop = failure(`${res.url.host} answered the same GraphQL endCursor twice; stopped paginating`, { code: 'bad_pagination_cursor' });
        cursors.add(cursor);
        flags.params.endCursor = cursor;
        body = request.bodyFor(flags.params);
        next = true;
      }
    }
    await printPage(ex, res, ReceivedBody.of(bytes), gqlError);
    if (stop !== undefined) throw stop;
    if (!next) return;
    // Every loop has a bound: a server sending new cursors without end stops here.
    if (pages >= flags.maxPages) throw failure(pageCapMessage(new URL(url).host, flags.maxPages), { code: 'too_many_pages' });
  }
}

interface Flags {
  maxPages: number;
  method: string;
  methodGiven: boolean;
  params: FieldMap;
  headers: Record<string, string>;
  input: Uint8Array | undefined;
  paginate: boolean;
  include: boolean;
  silent: boolean;
  jq: string | undefined;
}

/** Every flag checked and every file read: a usage error (exit 2) here means nothing was sent. */
async function readFlags(world: World, opts: ApiOptions): Promise<Flags> {
  const raw = opts.rawField ?? [];
  const typed = opts.field ?? [];
  if (opts.jq !== undefined && opts.silent) throw usageError('only one of --jq and --silent may be used', 'bad_flags');
  if (opts.paginate && opts.input !== undefined) throw usageError('--paginate cannot be used with --input', 'bad_flags');
  if (opts.jq !== undefined && opts.jq.trim() === '') throw usageError('--jq needs an expression', 'bad_flags');
  let methodGiven = false;
  let method = 'GET';
  if (opts.method !== undefined) {
    if (!/^[A-Za-z]+$/.test(opts.method)) throw usageError(`invalid --method '${opts.method}' (an HTTP method such as GET, POST, PATCH, PUT, DELETE)`, 'bad_flags');
    method = opts.method.toUpperCase();
    methodGiven = true;
  }
  const headers = parseHeaderFlags(opts.header ?? []);

  const stdinUsers = [opts.input === '-' ? '--input -' : '', ...typed.filter((f) => f.slice(f.indexOf('=') + 1) === '@-').map((f) => `-F ${f}`)].filter(Boolean);
  if (stdinUsers.length > 1) throw usageError(`stdin can be read only once (${stdinUsers.join(', ')})`, 'bad_flags');
  // As gh: whatever size it is (a request body).
  const stdin = stdinUsers.length ? await readStdinBytes(world, Number.POSITIVE_INFINITY) : undefined;

  let input: Uint8Array | undefined;
  if (opts.input !== undefined) {
    if (opts.input === '-') input = stdin;
    else {
      try {
        input = readFileSync(opts.input);
      } catch (error) {
        throw usageError(`--input: cannot read '${opts.input}' (${(error as NodeJS.ErrnoException).code ?? String(error)})`, 'bad_flags');
      }
    }
  }
  const params = parseFields({
    raw,
    typed,
    readFile: (path) => (path === '-' ? (stdin ?? Buffer.alloc(0)).toString('utf8') : readFileSync(path, 'utf8')),
  });
  // gh: GET unless fields or a body are given, then POST; -X always wins.
  if (!methodGiven && (!isEmpty(params) || input !== undefined)) method = 'POST';
  let maxPages = MAX_LISTING_PAGES;
  if (opts.maxPages !== undefined) {
    maxPages = /^\s*\d+\s*$/.test(opts.maxPages) ? Number(opts.maxPages) : Number.NaN;
    if (!Number.isSafeInteger(maxPages) || maxPages < 1) throw usageError(`invalid --max-pages '${opts.maxPages}' (a whole number, 1 or more)`, 'bad_flags');
  }
  return { maxPages, method, methodGiven, params, headers, input, paginate: Boolean(opts.paginate), include: Boolean(opts.include), silent: Boolean(opts.silent), jq: opts.jq };
}

/** The one stderr line for an answer that is not a success: the provider's message, and a missing GitHub scope. */
function apiError(world: World, a: { status: number; url: URL; headers: Record<string, string>; body: string; gqlError: string | undefined; provider: Provider; host: string }): Error {
  const quoted = (text: string) => (text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text);
  if (a.gqlError !== undefined) return failure(`${a.url.host} answered with GraphQL errors: ${quoted(a.gqlError)}`, { code: 'graphql_error' });
  const message = errorBodyMessage(a.body);
  const line = `${a.url.host} answered HTTP ${a.status}${message ? `: ${quoted(message)}` : ''}`;
  if (a.status === 401) return notSignedIn(line, 'bad_credentials');
  const scope = a.provider.restApi?.missingScope?.(a.status, a.headers);
  if (scope) {
    const refresh = loginCommandFor(a.provider, a.host, world.env).replace(/^oauthcli login/, 'oauthcli refresh');
    return failure(`${line} (it needs the '${scope}' scope: run ${refresh} -s ${scope})`, { code: `http_${a.status}` });
  }
  return failure(line, { code: `http_${a.status}` });
}
