/**
 * The plumbing the hand-written fake OAuth servers (github-server.ts, google-server.ts,
 * gitlab-server.ts) share: listening (plain or TLS, under a public host name), answering (JSON,
 * HTML pages, redirects, injected faults), reading request bodies, recording requests,
 * simulated latency, and the consent page that `simulateBrowser` clicks through. The OAuth state
 * they share (device codes, authorization codes, token families) is in oauth-core.ts.
 * oidc-server.ts (a real provider) only borrows the listening part and pkceChallenge.
 *
 * What a provider does differently on purpose (GitHub's request-id header, Google's
 * pretty-printed JSON, GitLab's page titles, …) stays in its server file and comes in here as
 * data (`ReplyStyle`, `ConsentPage`) or a small function.
 *
 * bench/run.mjs loads github-server.ts, and through it this file, with Node's type stripping:
 * keep to TypeScript that Node can strip (no enum, no namespace, no parameter properties).
 * Only node builtins are used.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTlsServer, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
// (.ts: the bench loads this file with Node's type stripping, which does not map .js to .ts)
import { isLoopbackHostname } from '../../src/http/insecure-hosts.ts';

export type Params = Record<string, string>;
export type HeaderMap = Record<string, string | number>;

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * How long a fake holds a listing page's answer: milliseconds, or a promise to wait for (a test
 * holds a page until an event, such as other pages' requests arriving, instead of guessing a time).
 */
export type PageDelay = (page: number) => number | Promise<unknown>;

/** Waits as `delay` says for `page` (nothing without a delay). */
export function pageWait(delay: PageDelay | undefined, page: number, sleepMs: (ms: number) => Promise<void>): Promise<unknown> {
  const d = delay ? delay(page) : 0;
  return typeof d === 'number' ? sleepMs(d) : d;
}

/** Waits `ms`; the timer sits in `timers` so that closing the server can cancel it. */
export function sleep(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  if (!(ms > 0)) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      timers.delete(t);
      resolve();
    }, ms);
    timers.add(t);
  });
}

/** S256 code challenge for a PKCE verifier (base64url, no padding). */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export function randomBase64url(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** `length` characters drawn uniformly from `alphabet`. */
export function randomChars(alphabet: string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

/** A user code as RFC 8628 §6.1 suggests (and GitHub and Google use): 8 of 20 consonants, XXXX-XXXX. */
export function randomUserCode(): string {
  const s = randomChars('BCDFGHJKLMNPQRSTVWXZ', 8);
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}


// ---------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------

/** How one provider's answers look. */
export interface ReplyStyle {
  /** Headers every answer starts with, made afresh for each one (request ids and the like). */
  everyAnswer?: (() => HeaderMap) | undefined;
  /** Content type of JSON answers, and of injected faults with an object body. */
  jsonType: string;
  /** Headers JSON answers carry besides the content type (caching), before the caller's own. */
  jsonHeaders?: HeaderMap | undefined;
  /** Google pretty-prints its JSON (2 spaces); the others send it compact. */
  jsonIndent?: number | undefined;
  /** Appended to every HTML page title (GitLab's " · GitLab"). */
  titleSuffix?: string | undefined;
  /** The page a 302 carries. Default: the "You are being redirected" page of Rails (GitHub, GitLab). */
  redirectPage?: ((escapedLocation: string) => { body: string; contentType: string }) | undefined;
  /** Gzip answers of this many bytes or more when the request's Accept-Encoding allows it (RFC 9110 §12.5.3). */
  gzipFrom?: number | undefined;
}

export interface Replies {
  /** The style's JSON content type (injected faults with an object body use it too). */
  readonly jsonType: string;
  /** Writes a whole answer (with content-length); does nothing once the response is gone or done. */
  send(res: ServerResponse, status: number, body: string | Buffer, headers?: HeaderMap): void;
  sendJson(res: ServerResponse, status: number, obj: unknown, headers?: HeaderMap): void;
  /** A minimal HTML page; `title` is escaped, `bodyHtml` is not. */
  sendHtml(res: ServerResponse, status: number, title: string, bodyHtml: string): void;
  redirect(res: ServerResponse, location: string): void;
  /** 302 to `redirectUri` with `params` appended to its query (in order). */
  redirectWith(res: ServerResponse, redirectUri: string, params: Params): void;
}

/** Whether Accept-Encoding allows gzip: named (else `*`) with a q above 0 (RFC 9110 §12.5.3). */
export function acceptsGzip(req: IncomingMessage): boolean {
  const q = new Map<string, number>();
  for (const part of String(req.headers['accept-encoding'] ?? '').toLowerCase().split(',')) {
    const [coding = '', ...params] = part.split(';').map((p) => p.trim());
    const weight = params.map((p) => /^q\s*=\s*([\d.]+)$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (coding) q.set(coding, weight === undefined ? 1 : Number(weight));
  }
  return (q.get('gzip') ?? q.get('x-gzip') ?? q.get('*') ?? 0) > 0;
}

function railsRedirectPage(escapedLocation: string): { body: string; contentType: string } {
  return {
    body: `<html><body>You are being <a href="${escapedLocation}">redirected</a>.</body></html>`,
    contentType: 'text/html; charset=utf-8',
  };
}

export function createReplies(style: ReplyStyle): Replies {
  const redirectPage = style.redirectPage ?? railsRedirectPage;
  const replies: Replies = {
    jsonType: style.jsonType,
    send(res, status, body, headers = {}) {
      if (res.destroyed || res.writableEnded) return;
      if (style.gzipFrom !== undefined && Buffer.byteLength(body) >= style.gzipFrom && !('content-encoding' in headers) && acceptsGzip(res.req)) {
        body = gzipSync(body);
        headers = { ...headers, 'content-encoding': 'gzip', vary: 'Accept-Encoding' };
      }
      res.writeHead(status, { ...style.everyAnswer?.(), ...headers, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
    sendJson(res, status, obj, headers = {}) {
      replies.send(res, status, JSON.stringify(obj, null, style.jsonIndent), {
        'content-type': style.jsonType,
        ...style.jsonHeaders,
        ...headers,
      });
    },
    sendHtml(res, status, title, bodyHtml) {
      const html = `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}${style.titleSuffix ?? ''}</title></head>\n<body>\n${bodyHtml}\n</body></html>\n`;
      replies.send(res, status, html, { 'content-type': 'text/html; charset=utf-8' });
    },
    redirect(res, location) {
      const page = redirectPage(escapeHtml(location));
      replies.send(res, 302, page.body, { location, 'content-type': page.contentType });
    },
    redirectWith(res, redirectUri, params) {
      const target = new URL(redirectUri);
      for (const [k, v] of Object.entries(params)) target.searchParams.append(k, v);
      replies.redirect(res, target.toString());
    },
  };
  return replies;
}

// ---------------------------------------------------------------------------
// Request bodies
// ---------------------------------------------------------------------------

/** The body as text; throws above 1 MB (answered 413). */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Form or JSON body parameters as strings (JSON non-strings re-serialised, nulls dropped), so a
 * client may send either. Invalid JSON gives no parameters, for the endpoint to reject.
 */
export function parseBody(req: IncomingMessage, raw: string): Params {
  const out: Params = {};
  if (!raw) return out;
  const ct = String(req.headers['content-type'] ?? '').toLowerCase();
  if (ct.includes('json')) {
    try {
      const obj = JSON.parse(raw) as unknown;
      if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
        for (const [k, v] of Object.entries(obj)) if (v !== null && v !== undefined) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
      }
    } catch {
      /* invalid JSON → no params */
    }
    return out;
  }
  for (const [k, v] of new URLSearchParams(raw)) out[k] = v;
  return out;
}

// ---------------------------------------------------------------------------
// Recording and fault injection
// ---------------------------------------------------------------------------

/** A request as a fake server saw it; `H` is the provider's choice of headers worth keeping. */
export interface RecordedHttpRequest<H> {
  method: string;
  /** Path without query string (and without trailing slashes), e.g. `/api/v3/user`. */
  path: string;
  query: Record<string, string>;
  /** The origin the client addressed (see `Arrival.origin`), e.g. `https://api.acme.ghe.com:8443`. */
  origin: string;
  /** Date.now() at arrival. */
  time: number;
  /** Selected request headers (lower-case names). */
  headers: H;
  /** Raw Authorization header (also in headers.authorization). */
  authorization?: string | undefined;
  /** Parsed form/JSON body parameters (strings), if any. */
  body: Record<string, string>;
  /** Raw body text. */
  rawBody: string;
  /** True when answered by an injected fault. */
  fault?: boolean | undefined;
}

export interface FaultSpec {
  status?: number | undefined;
  /** Object → JSON; string → text/html when it starts with '<', else text/plain. */
  body?: unknown;
  headers?: Record<string, string> | undefined;
  /** Number of requests to fail. Default 1. Use Infinity for "until clearFaults()". */
  times?: number | undefined;
  /** Reset the connection instead of answering. */
  destroySocket?: boolean | undefined;
  /** Only match this HTTP method. */
  method?: string | undefined;
  /** Match the path exactly instead of as a prefix. */
  exact?: boolean | undefined;
}

interface Fault extends FaultSpec {
  prefix: string;
  remaining: number;
}

function answerFault(req: IncomingMessage, res: ServerResponse, fault: Fault, replies: Replies): void {
  if (fault.destroySocket) {
    // A TCP reset where Node can send one (the client sees ECONNRESET), else a plain close.
    const sock = req.socket as Socket & { resetAndDestroy?: () => void };
    if (typeof sock.resetAndDestroy === 'function') sock.resetAndDestroy();
    else sock.destroy();
    return;
  }
  let payload = '';
  let contentType = 'text/plain; charset=utf-8';
  if (typeof fault.body === 'string') {
    payload = fault.body;
    if (fault.body.trimStart().startsWith('<')) contentType = 'text/html; charset=utf-8';
  } else if (fault.body !== undefined) {
    payload = JSON.stringify(fault.body);
    contentType = replies.jsonType;
  }
  const headers: Record<string, string> = { 'content-type': contentType };
  for (const [k, v] of Object.entries(fault.headers ?? {})) headers[k.toLowerCase()] = v;
  replies.send(res, fault.status ?? 500, payload, headers);
}

// ---------------------------------------------------------------------------
// Listening
// ---------------------------------------------------------------------------

/** PEM key and certificate: the server speaks HTTPS with them. */
export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
}

/**
 * The authority (host[:port]) clients are told to use instead of 127.0.0.1:PORT, for tests that
 * reach the fake through a proxy under a name without DNS. The port is only known after
 * listening, so besides a fixed string (`'ghe.corp.test'`, used as is: a proxy that maps :443 to
 * the fake) it can be `{ name }` (→ `name:PORT`) or a function of the port.
 */
export type PublicHost = string | { name: string } | ((port: number) => string);

export interface ListenOptions {
  tls?: TlsOptions | undefined;
  publicHost?: PublicHost | undefined;
}

export interface LoopbackListener {
  port: number;
  /** The authority clients are told to use: `127.0.0.1:PORT`, or the public host. */
  host: string;
  /** `http://127.0.0.1:PORT`, or `https://…` with TLS, or the public host's origin. */
  url: string;
  /** Where the server really listens: `http(s)://127.0.0.1:PORT`. */
  loopbackUrl: string;
  /** Stops the server and destroys every open connection (keep-alive ones too), so tests end promptly. */
  shutdown(): Promise<void>;
  /** Connections open now: 0 once every client has hung up (a CLI that exited, say). */
  openConnections(): number;
}

/** An http or (with `tls`) https server for `handler`. */
function createHttpServer(handler: (req: IncomingMessage, res: ServerResponse) => void, tls?: TlsOptions): Server {
  return tls ? createTlsServer({ key: tls.key, cert: tls.cert }, handler) : createServer(handler);
}

/** Listens on a random port of 127.0.0.1, keeping track of the sockets so shutdown() can end them. */
export async function listenOnLoopback(server: Server, opts: ListenOptions = {}): Promise<LoopbackListener> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = opts.tls ? 'https' : 'http';
  const p = opts.publicHost;
  const host = p === undefined ? `127.0.0.1:${port}` : typeof p === 'string' ? p : typeof p === 'function' ? p(port) : `${p.name}:${port}`;
  return {
    port,
    host,
    url: `${scheme}://${host}`,
    loopbackUrl: `${scheme}://127.0.0.1:${port}`,
    openConnections: () => sockets.size,
    async shutdown() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

// ---------------------------------------------------------------------------
// The server every fake runs on
// ---------------------------------------------------------------------------

/** What a fake's router gets besides req/res: the request, already read and recorded. */
export interface Arrival {
  /** Date.now() at arrival. */
  time: number;
  /** performance.now() at arrival, for interval checks that must not depend on the wall clock. */
  mono: number;
  /**
   * The origin the client addressed: an absolute-form target's (`GET http://api.github.localhost/…`
   * from a client using the fake as its HTTP proxy), else the scheme and Host header. A request to
   * 127.0.0.1:PORT itself counts as addressed to the fake's `url` (its public host, when it has one).
   */
  origin: string;
  requestUrl: URL;
  /** Path without query string and trailing slashes. */
  path: string;
  query: Params;
  /** Upper case. */
  method: string;
  body: Params;
  rawBody: string;
}

/** The request headers every fake records (besides its own `recordHeaders`). */
export type CommonRecordedHeaders = { [K in 'accept' | 'content-type' | 'user-agent' | 'authorization']?: string | undefined };

/** `tls` (serve https) and `publicHost` (the name URLs use), besides what a fake's answers need. */
export interface FakeHttpOptions extends ListenOptions {
  replies: Replies;
  /** Request headers worth recording besides accept, content-type, user-agent and authorization. */
  recordHeaders?: readonly string[] | undefined;
  /** Read on every request, so a test can change it on a running server. */
  latencyMs(): number;
  /** Answers a request that no fault took. */
  route(req: IncomingMessage, res: ServerResponse, arrival: Arrival): void | Promise<void>;
  /**
   * Answers a request itself, before its body is read, recorded or delayed, and returns true; or
   * returns false to leave it to the usual path. For bodies that are binary streams (git's packs).
   */
  takeOver?(req: IncomingMessage, res: ServerResponse): boolean;
  /** JSON body of the 500 answered when `route` throws. */
  internalError(err: unknown): unknown;
}

/** An answer as `FakeHttp.browse` got it. */
export interface BrowseResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface FakeHttp<H> extends Omit<LoopbackListener, 'shutdown'> {
  readonly requests: RecordedHttpRequest<H>[];
  /** Waits `ms` (pagination delays); cancelled by close(). */
  sleep(ms: number): Promise<void>;
  /** Answer the next `spec.times` requests under `pathPrefix` with `spec` instead of routing them. */
  fail(pathPrefix: string, spec: FaultSpec): void;
  clearFaults(): void;
  requestCount(pathPrefix: string, method?: string): number;
  /**
   * One request as a browser on this machine would send it, where every name but loopback ones
   * leads to this fake (as a test proxy would route it): `https://ghe.corp.test:PORT/…` goes to
   * 127.0.0.1:PORT with that Host and TLS server name. Redirects are not followed.
   */
  browse(target: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<BrowseResponse>;
  close(): Promise<void>;
}

/** The origin a request addressed (see Arrival.origin); `fallback` when it names none usable. */
function requestOrigin(req: IncomingMessage, scheme: string, loopbackHost: string, fallback: string): string {
  try {
    const target = req.url ?? '/';
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return new URL(target).origin;
    const host = req.headers.host;
    if (!host || host === loopbackHost) return fallback;
    return new URL(`${scheme}://${host}`).origin;
  } catch {
    return fallback;
  }
}

/**
 * Starts a fake on a random loopback port (https with `tls`). Every request is read, recorded,
 * delayed by the latency, and then either answered by a matching fault or handed to `route`.
 */
export async function startFakeHttp<H extends CommonRecordedHeaders>(opts: FakeHttpOptions): Promise<FakeHttp<H>> {
  const { replies } = opts;
  const requests: RecordedHttpRequest<H>[] = [];
  const faults: Fault[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const scheme = opts.tls ? 'https' : 'http';
  const recorded = ['accept', 'content-type', 'user-agent', 'authorization', ...(opts.recordHeaders ?? [])];
  const pickHeaders = (h: IncomingHttpHeaders): H => {
    const out: Record<string, string> = {};
    for (const name of recorded) {
      const v = h[name];
      if (typeof v === 'string') out[name] = v;
    }
    return out as H;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (opts.takeOver?.(req, res)) return;
    const time = Date.now();
    // The global performance (not node:perf_hooks'): the one a test's fake clock replaces
    // (vi.useFakeTimers with 'performance'), so interval checks need no real waiting.
    const mono = globalThis.performance.now();
    const origin = requestOrigin(req, scheme, `127.0.0.1:${listener.port}`, listener.url);
    const requestUrl = new URL(req.url ?? '/', origin);
    const path = requestUrl.pathname.length > 1 ? requestUrl.pathname.replace(/\/+$/, '') : requestUrl.pathname;
    const query: Params = Object.fromEntries(requestUrl.searchParams);
    const method = (req.method ?? 'GET').toUpperCase();
    let rawBody = '';
    try {
      rawBody = await readBody(req);
    } catch {
      replies.send(res, 413, 'Payload Too Large');
      return;
    }
    const body = parseBody(req, rawBody);
    const record: RecordedHttpRequest<H> = {
      method,
      path,
      query,
      origin,
      time,
      headers: pickHeaders(req.headers),
      authorization: req.headers.authorization,
      body,
      rawBody,
    };
    requests.push(record);
    await sleep(opts.latencyMs(), timers);

    const fault = faults.find(
      (f) => f.remaining > 0 && (f.exact ? path === f.prefix : path.startsWith(f.prefix)) && (!f.method || f.method.toUpperCase() === method),
    );
    if (fault) {
      fault.remaining--;
      record.fault = true;
      answerFault(req, res, fault, replies);
      return;
    }
    await opts.route(req, res, { time, mono, origin, requestUrl, path, query, method, body, rawBody });
  }

  const server = createHttpServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) replies.sendJson(res, 500, opts.internalError(err));
    });
  }, opts.tls);
  const listener = await listenOnLoopback(server, opts);

  function browse(target: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<BrowseResponse> {
    const u = new URL(target);
    const local = isLoopbackHostname(u.hostname);
    const https = u.protocol === 'https:';
    const send = https ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        {
          host: local ? u.hostname.replace(/^\[|\]$/g, '') : '127.0.0.1',
          port: local ? Number(u.port || (https ? 443 : 80)) : listener.port,
          method: init.method ?? 'GET',
          path: `${u.pathname}${u.search}`,
          headers: { host: u.host, ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}), ...init.headers },
          // The fake's own certificate, whoever signed it: this is the fake talking to itself.
          ...(https ? { servername: isIP(u.hostname) ? undefined : u.hostname, rejectUnauthorized: false } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(init.body);
    });
  }

  return {
    port: listener.port,
    host: listener.host,
    url: listener.url,
    loopbackUrl: listener.loopbackUrl,
    openConnections: listener.openConnections,
    requests,
    sleep: (ms) => sleep(ms, timers),
    fail(pathPrefix, spec) {
      faults.push({ ...spec, prefix: pathPrefix, remaining: spec.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    requestCount(pathPrefix, method) {
      return requests.filter((r) => r.path.startsWith(pathPrefix) && (!method || r.method === method.toUpperCase())).length;
    },
    browse,
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await listener.shutdown();
    },
  };
}

// ---------------------------------------------------------------------------
// Consent page and the browser that clicks it
// ---------------------------------------------------------------------------

/** The provider's wording of its consent page; the structure (ids, forms) is the same for all. */
export interface ConsentPage {
  /** Where the Deny and Authorize forms post `request_id` and `decision`. */
  action: string;
  requestId: string;
  /** HTML. */
  heading: string;
  /** Who is signed in (shown as #login). */
  login: string;
  scopes: string[];
  /** The only list item when no scope was asked for; without it the list stays empty. */
  noScopeItem?: string | undefined;
  /** Text before the redirect URI, e.g. "Authorizing will redirect to". */
  redirectLead: string;
  redirectUri: string;
  denyLabel: string;
  authorizeLabel: string;
}

export function consentPageHtml(page: ConsentPage): string {
  const items = page.scopes.map((s) => `<li class="scope">${escapeHtml(s)}</li>`).join('');
  const scopeList = items || (page.noScopeItem !== undefined ? `<li>${page.noScopeItem}</li>` : '');
  const form = (decision: string, label: string): string =>
    `<form method="post" action="${page.action}">
  <input type="hidden" name="request_id" value="${page.requestId}">
  <input type="hidden" name="decision" value="${decision}">
  <button id="${decision}" type="submit">${label}</button>
</form>`;
  return `<h1>${page.heading}</h1>
<p>Signed in as <strong id="login">${escapeHtml(page.login)}</strong></p>
<ul id="scopes">${scopeList}</ul>
<p>${page.redirectLead} <code id="redirect">${escapeHtml(page.redirectUri)}</code></p>
${form('deny', page.denyLabel)}
${form('authorize', page.authorizeLabel)}`;
}

export interface SimulatedBrowserResult {
  /** Location the consent page redirected to (the client's loopback callback). */
  location: string;
  /** When followRedirect is true: the loopback server's answer. */
  callback?: { status: number; body: string } | undefined;
}

export interface SimulateBrowserOptions {
  decision?: 'authorize' | 'deny';
  followRedirect?: boolean;
}

/**
 * Acts as the user's browser for the web flow, without cookies (the fakes keep no sessions):
 * GET the authorize URL, post the consent page's decision to `decisionPath`, and (by default)
 * follow the redirect to the client's loopback server. An authorize URL that redirects at once
 * (an error) is followed as it is. Requests go through `browse`, so public host names work.
 */
export async function simulateBrowser(
  browse: FakeHttp<unknown>['browse'],
  authorizeUrl: string,
  decisionPath: string,
  opts: SimulateBrowserOptions = {},
): Promise<SimulatedBrowserResult> {
  const decision = opts.decision ?? 'authorize';
  const page = await browse(authorizeUrl);
  let location: string | undefined;
  if (page.status >= 300 && page.status < 400) {
    location = page.headers.location;
  } else {
    const m = /name="request_id" value="([^"]+)"/.exec(page.text);
    if (page.status !== 200 || !m) throw new Error(`authorize page failed: HTTP ${page.status}: ${page.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 300)}`);
    const post = await browse(new URL(decisionPath, authorizeUrl).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request_id: m[1]!, decision }).toString(),
    });
    location = post.headers.location;
  }
  if (!location) throw new Error('consent page did not redirect');
  if (opts.followRedirect === false) return { location };
  const cb = await browse(location);
  return { location, callback: { status: cb.status, body: cb.text } };
}

/** What every hand-written fake offers a test, besides its provider's own records and knobs. */
export interface FakeServerControls {
  /** The port on 127.0.0.1 (what a test proxy maps a public host name to). */
  readonly port: number;
  /** The authority clients are told to use: `127.0.0.1:PORT`, or the `publicHost`. */
  readonly host: string;
  /** `http://127.0.0.1:PORT`, or `https://` with TLS, or the public host's origin. */
  readonly url: string;
  /** `http(s)://127.0.0.1:PORT`, where the fake really listens. */
  readonly loopbackUrl: string;
  close(): Promise<void>;
  /** Answer the next `spec.times` requests under `pathPrefix` with `spec` instead. */
  fail(pathPrefix: string, spec: FaultSpec): void;
  clearFaults(): void;
  /** Recorded requests whose path starts with `pathPrefix` (and of `method`, when given). */
  requestCount(pathPrefix: string, method?: string): number;
  /** Connections open now: 0 once every client has hung up, and then every request they sent is recorded. */
  openConnections(): number;
  /**
   * Act as the user's browser for the web flow: GET the authorize URL, click
   * Authorize/Deny, and (by default) follow the redirect to the client's loopback.
   */
  simulateBrowser(authorizeUrl: string, opts?: SimulateBrowserOptions): Promise<SimulatedBrowserResult>;
}

/** The FakeServerControls part of a fake, from its FakeHttp and the path its consent page posts to. */
export function serverControls(http: FakeHttp<unknown>, decisionPath: string): FakeServerControls {
  return {
    port: http.port,
    host: http.host,
    url: http.url,
    loopbackUrl: http.loopbackUrl,
    close: http.close,
    fail: http.fail,
    clearFaults: http.clearFaults,
    requestCount: http.requestCount,
    openConnections: http.openConnections,
    simulateBrowser: (authorizeUrl, o) => simulateBrowser(http.browse, authorizeUrl, decisionPath, o),
  };
}
