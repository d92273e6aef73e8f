// The one HTTP client. Every request:
// - goes through undici: an EnvHttpProxyAgent (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, upper or lower
//   case; https through CONNECT) for the world, a plain Agent for loopback hosts, which are
//   never proxied (a token for 127.0.0.1 must not leave the machine);
// - uses plain http only to loopback hosts;
// - has a deadline for the whole exchange, headers and body (a server that drips a byte every
//   few seconds must not hold a command, or the refresh lock, forever), and a size limit;
// - fails with one line that says what happened and what to do (an untrusted certificate names
//   both ways to trust a private CA);
// - is retried, when idempotent, on dropped connections, 5xx, and rate limits that ask us to wait;
// - asks for a compressed answer and decodes it (RFC 9110 §12.5.3, §8.4), as gh does through Go's
//   transport: GitHub's repository JSON is ~25× smaller gzipped, 28 MB → 1.1 MB for 5,000. The
//   size limit counts decoded bytes: a small "zip bomb" stops at the limit;
// - is traced with --debug, every secret redacted.
import type { Readable } from 'node:stream';
import { brotliDecompressSync, gunzipSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { formatDuration } from '../duration.js';
import { describeBody } from './body-kind.js';
import { AppError, failure, interrupted } from '../errors.js';
import { isLoopbackHostname } from './insecure-hosts.js';
import { keepWebAssemblyInBaselineCode } from '../v8-flags.js';
import { CONNECT_TIMEOUT_MS, MAX_BODY_BYTES, REQUEST_DEADLINE_MS } from './limits.js';
import { redactHeaderValue, redactText } from './redact.js';

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH' | 'HEAD';
  url: string | URL;
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string | undefined>;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as is (with the caller's content-type). */
  body?: string | Uint8Array;
  /** The whole exchange must end within this; default REQUEST_DEADLINE_MS. */
  deadlineMs?: number;
  /** The largest body read from the answer; default MAX_BODY_BYTES. */
  maxBodyBytes?: number;
  /** Retry 5xx answers, dropped connections and rate limits that ask for a wait (idempotent requests only). */
  retry?: boolean;
  signal?: AbortSignal | undefined;
  /** Values to hide from the --debug trace besides the usual secret fields. */
  secrets?: string[] | undefined;
}

export interface HttpResponse {
  status: number;
  url: URL;
  headers: Record<string, string>;
  text(): Promise<string>;
  /** The body as bytes (its content coding undone), in one buffer of its own. */
  bytes(): Promise<Buffer>;
  /** The body as bytes, in the chunks it arrived in, never joined: a large body (a page of a listing) is passed on without a copy. A compressed body comes decoded, as one buffer. */
  chunks(): Promise<Buffer[]>;
  /**
   * Frees the memory of a decoded body now instead of at some later garbage collection: for a
   * caller done with a large body (a listing's page, once written out). Every chunk and view of
   * it is empty afterwards. A body that came uncompressed is left to the garbage collector.
   */
  release(): void;
  /** Parses JSON; a non-JSON body (an HTML error page, say) becomes one clear failure. */
  json<T = unknown>(): Promise<T>;
  /** Discards the body. */
  dump(): Promise<void>;
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
}

export interface HttpClientOptions {
  /** Proxy variables are read from here (the process's environment by default). */
  env?: NodeJS.ProcessEnv;
  userAgent?: string;
  /** Receives --debug trace lines, already redacted. */
  debug?: ((line: string) => void) | undefined;
  /** Receives notes for the user, e.g. "waiting 30 s for GitHub's rate limit". */
  notice?: (line: string) => void;
  maxTries?: number;
  /** Longest wait a rate limit may ask for before we stop instead of waiting. */
  maxRetryAfterMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Replaces both undici dispatchers (tests). */
  dispatcher?: Dispatcher;
}

/** The codings asked for: every Node since 12 decodes them (zstd would need 22.15). */
const ACCEPT_ENCODING = 'gzip, deflate, br';
// A compressed body is decoded in one synchronous call once it is all in: a page of GitHub's
// (~21 KB gzipped, ~650 KB of JSON) takes a fraction of a millisecond. Through zlib's streams
// (libuv's thread pool) the hand-offs cost more than the decoding: for 5,000 repositories ~300
// writes and callbacks and as many output buffers made and freed, ~55 ms of the main thread and
// ~100 ms of CPU in all (repos --json: 0.45 → 0.41 s, CPU 0.45 → 0.35 s, 12,900 → 8,500 page
// faults). The output goes into a buffer of this size (a larger body is then joined into one):
// freed by release() once the page is written, it is the memory the next page decodes into, as
// glibc raises its mmap threshold to a block's size once one is freed: no fresh memory, so no
// page faults (12-15 µs each per 4 KB on the VM the benchmark runs on).
const DECODED_CHUNK_BYTES = 1024 * 1024;
type Decoder = (body: Buffer, options: ZlibOptions) => Buffer;
const DECODERS: Record<string, Decoder> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

/** GitHub: a secondary rate limit without retry-after means "wait for at least one minute before retrying". */
export const SECONDARY_LIMIT_WAIT_MS = 60_000;

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  keepWebAssemblyInBaselineCode();
  const env = options.env ?? process.env;
  const maxTries = options.maxTries ?? 3;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? SECONDARY_LIMIT_WAIT_MS;
  const sleep = options.sleep ?? defaultSleep;
  const debug = options.debug;
  const timeouts = { connectTimeout: CONNECT_TIMEOUT_MS, headersTimeout: REQUEST_DEADLINE_MS, bodyTimeout: REQUEST_DEADLINE_MS };
  let direct: Dispatcher | undefined;
  let proxied: Dispatcher | undefined;
  const proxies = proxySettings(env);
  const dispatcherFor = (url: URL): Dispatcher => {
    if (options.dispatcher) return options.dispatcher;
    if (isLoopbackHostname(url.hostname)) return (direct ??= new Agent(timeouts));
    return (proxied ??= new EnvHttpProxyAgent({ ...timeouts, ...proxies }));
  };

  async function once(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    if (url.protocol === 'http:' && !isLoopbackHostname(url.hostname)) {
      throw failure(`refusing to send a request to ${url.origin} over plain http: only loopback hosts may use http`, { code: 'insecure_url' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw failure(`unsupported URL scheme in ${url.protocol}//${url.host}`, { code: 'insecure_url' });
    }
    const headers: Record<string, string> = { 'user-agent': options.userAgent ?? 'oauthcli', 'accept-encoding': ACCEPT_ENCODING, ...lowerKeys(req.headers ?? {}) };
    let body: string | Uint8Array | undefined = req.body;
    if (req.form) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(req.form)) if (v !== undefined) params.set(k, v);
      body = params.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] ??= 'application/json';
    }
    const method = req.method ?? (body === undefined ? 'GET' : 'POST');
    const secrets = req.secrets ?? [];
    const proxy = isLoopbackHostname(url.hostname) || options.dispatcher ? undefined : proxyFor(url, proxies);
    if (debug) {
      debug(`> ${method} ${redactText(url.toString(), secrets)}${proxy ? ` (through the proxy ${proxy.shown})` : ''}`);
      for (const [k, v] of Object.entries(headers)) debug(`> ${k}: ${redactText(redactHeaderValue(k, v), secrets)}`);
      if (body !== undefined) debug(`> ${redactText(typeof body === 'string' ? body : `(${body.byteLength} bytes)`, secrets)}`);
    }
    if (req.signal?.aborted) throw interrupted();
    const deadlineMs = req.deadlineMs ?? REQUEST_DEADLINE_MS;
    // One controller per exchange, aborted by the deadline or by the caller's signal. (Not
    // AbortSignal.any: it costs, per request, more than a listing's page takes to process.)
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, deadlineMs);
    timer.unref();
    const onCallerAbort = () => controller.abort();
    req.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onCallerAbort);
    };
    const started = Date.now();
    const fail = (error: unknown, stage: 'headers' | 'body'): never => {
      done();
      if (req.signal?.aborted) throw interrupted();
      if (error instanceof AppError) throw error;
      throw networkFailure(url, error, { stage, deadlineMs, timedOut, elapsedMs: Date.now() - started, proxy });
    };
    let res: Dispatcher.ResponseData;
    try {
      res = await dispatcherFor(url).request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        body,
        signal: controller.signal,
        headersTimeout: deadlineMs,
        bodyTimeout: deadlineMs,
      });
    } catch (error) {
      return fail(error, 'headers');
    }
    const resHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      if (v !== undefined) resHeaders[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    }
    if (debug) {
      debug(`< ${res.statusCode} (${Date.now() - started} ms)`);
      for (const [k, v] of Object.entries(resHeaders)) debug(`< ${k}: ${redactHeaderValue(k, v)}`);
    }
    const maxBytes = req.maxBodyBytes ?? MAX_BODY_BYTES;
    const declared = Number(resHeaders['content-length']);
    // What the caller sees is the decoded body, so the headers describe that (as Go's transport does for gh).
    const decoder = DECODERS[resHeaders['content-encoding']?.trim().toLowerCase() ?? ''];
    if (decoder) {
      delete resHeaders['content-encoding'];
      delete resHeaders['content-length'];
    }
    let read: Promise<Buffer[]> | undefined;
    let decoded: readonly Buffer[] = [];
    let bytesPromise: Promise<Buffer> | undefined;
    const chunks = () => {
      read ??= readChunks(res.body, maxBytes, url, declared)
        .then((list) => (decoder ? decode(decoder, list, maxBytes, url) : list))
        .then(
          (list) => {
            done();
            if (decoder) decoded = list;
            // Only the start is decoded for the trace; any secret within its first 2,000 characters is whole in it.
            if (debug && list.length) {
              const size = list.reduce((n, c) => n + c.length, 0);
              const head = Buffer.concat(list.slice(0, 4)).toString('utf8', 0, 4000);
              debug(`< ${truncate(redactText(head, secrets), 2000, size)}`);
            }
            return list;
          },
          (error: unknown) => fail(error, 'body'),
        );
      return read;
    };
    const bytes = () => {
      bytesPromise ??= chunks().then((list) => (list.length === 1 ? list[0]! : Buffer.concat(list)));
      return bytesPromise;
    };
    const text = () => bytes().then((b) => b.toString('utf8'));
    return {
      status: res.statusCode,
      url,
      headers: resHeaders,
      text,
      bytes,
      chunks,
      async json<T>() {
        return parseJson<T>(await text(), url, res.statusCode, resHeaders['content-type']);
      },
      async dump() {
        if (!read) await res.body.dump().catch(() => undefined);
        done();
      },
      release() {
        releaseDecoded(decoded);
        decoded = [];
      },
    };
  }

  return {
    async request(req) {
      for (let attempt = 1; ; attempt++) {
        let res: HttpResponse;
        try {
          res = await once(req);
        } catch (error) {
          // A dropped connection is worth another try; a timeout is not (the message says how long we waited).
          const retriable = req.retry && attempt < maxTries && error instanceof AppError && error.code === 'network';
          if (!retriable) throw error;
          await sleep(backoffMs(attempt), req.signal);
          continue;
        }
        const limited = await rateLimit(res);
        if (limited?.kind === 'primary') {
          throw failure(`${res.url.host} rate limit reached; it resets at ${limited.resetAt?.toLocaleTimeString() ?? 'a later time'}. Try again then.`, {
            code: 'rate_limited',
          });
        }
        if (limited?.kind === 'secondary') {
          if (req.retry && attempt < maxTries && limited.waitMs <= maxRetryAfterMs) {
            options.notice?.(`${res.url.host} asked us to slow down; retrying in ${formatDuration(limited.waitMs)} (a secondary rate limit).`);
            await sleep(limited.waitMs, req.signal);
            continue;
          }
          throw failure(`${res.url.host} asked us to slow down (a secondary rate limit): wait ${formatDuration(Math.max(limited.waitMs, SECONDARY_LIMIT_WAIT_MS))} or more, then try again`, {
            code: 'rate_limited',
          });
        }
        if (res.status >= 500 && req.retry && attempt < maxTries) {
          await res.dump();
          await sleep(backoffMs(attempt), req.signal);
          continue;
        }
        return res;
      }
    },
  };
}

type RateLimit = { kind: 'primary'; resetAt: Date | undefined } | { kind: 'secondary'; waitMs: number };

/**
 * GitHub's documented rules (REST API "Rate limits", "exceeding the rate limit"): `retry-after`
 * says how long to wait; `x-ratelimit-remaining: 0` means the primary limit, until
 * `x-ratelimit-reset`; a 429, or a 403 that says "secondary rate limit", without either, means
 * wait at least a minute. Other 403s are permission errors and are left to the caller. The
 * body of a rate-limit answer is consumed here.
 */
async function rateLimit(res: HttpResponse): Promise<RateLimit | undefined> {
  if (res.status !== 403 && res.status !== 429) return undefined;
  const retryAfter = res.headers['retry-after'];
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    const waitMs = Number.isFinite(seconds) ? seconds * 1000 : Math.max(0, Date.parse(retryAfter) - Date.now());
    await res.dump();
    return { kind: 'secondary', waitMs: Number.isFinite(waitMs) ? waitMs : SECONDARY_LIMIT_WAIT_MS };
  }
  if (res.headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(res.headers['x-ratelimit-reset']);
    await res.dump();
    return { kind: 'primary', resetAt: Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined };
  }
  if (res.status === 429 || /secondary rate limit|abuse detection/i.test(await res.text().catch(() => ''))) {
    return { kind: 'secondary', waitMs: SECONDARY_LIMIT_WAIT_MS };
  }
  return undefined;
}

/** A compressed body → its decoded bytes, at most `max` of them (zlib stops there: a small "zip bomb" goes no further). */
function decode(decoder: Decoder, list: readonly Buffer[], max: number, url: URL): Buffer[] {
  try {
    return [decoder(list.length === 1 ? list[0]! : Buffer.concat(list), { chunkSize: DECODED_CHUNK_BYTES, maxOutputLength: max })];
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLargeFailure(url, max);
    throw error;
  }
}

/**
 * Detaches the buffer a decoded body is in, which frees its memory at once: zlib's own output
 * buffer, or the one a larger body was joined into; never Node's shared pool for small buffers
 * (Buffer.poolSize bytes, and nothing bigger is taken from it).
 */
function releaseDecoded(chunks: readonly Buffer[]): void {
  for (const chunk of chunks) {
    const store = chunk.buffer;
    if (store instanceof ArrayBuffer && !store.detached && store.byteLength > Buffer.poolSize) store.transfer(0);
  }
}

function tooLargeFailure(url: URL, max: number): AppError {
  return failure(`${url.host} sent an answer larger than ${formatBytes(max)} for ${url.pathname}; not reading it`, { code: 'response_too_large' });
}

/**
 * Reads a body as the chunks it arrives in, stopping at `max` bytes ('data' events rather than
 * async iteration: a listing's pages arrive in a thousand chunks or more).
 */
function readChunks(body: Dispatcher.ResponseData['body'], max: number, url: URL, declared: number): Promise<Buffer[]> {
  if (Number.isFinite(declared) && declared > max) {
    body.destroy();
    return Promise.reject(tooLargeFailure(url, max));
  }
  return collectChunks(body, max, url);
}

/** A stream's chunks until it ends; destroyed, and a failure, past `max` bytes. */
function collectChunks(stream: Readable, max: number, url: URL): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        stream.destroy();
        reject(tooLargeFailure(url, max));
        return;
      }
      chunks.push(chunk);
    });
    stream.once('error', reject);
    stream.once('end', () => resolve(chunks));
  });
}

function parseJson<T>(raw: string, url: URL, status: number, contentType: string | undefined): T {
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw failure(`${url.host} answered ${url.pathname} with ${describeBody(raw, contentType)} instead of JSON (HTTP ${status})`, { code: 'malformed_response' });
  }
}


// ---------------------------------------------------------------------------------------------
// Proxies
// ---------------------------------------------------------------------------------------------

interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

/** The proxy variables as curl and undici read them: lower case first. */
function proxySettings(env: NodeJS.ProcessEnv): ProxySettings {
  const pick = (name: string) => env[name.toLowerCase()] || env[name.toUpperCase()] || undefined;
  const httpProxy = pick('http_proxy');
  const httpsProxy = pick('https_proxy') ?? httpProxy;
  const noProxy = pick('no_proxy');
  return { ...(httpProxy ? { httpProxy } : {}), ...(httpsProxy ? { httpsProxy } : {}), ...(noProxy ? { noProxy } : {}) };
}

/** The proxy a request to `url` goes through, if any (NO_PROXY as undici reads it), shown without credentials. */
function proxyFor(url: URL, settings: ProxySettings): { shown: string; variable: string } | undefined {
  const proxy = url.protocol === 'https:' ? settings.httpsProxy : settings.httpProxy;
  if (!proxy || bypassesProxy(url, settings.noProxy)) return undefined;
  let shown = proxy;
  try {
    const p = new URL(proxy);
    shown = `${p.protocol}//${p.host}`;
  } catch {
    // shown as given
  }
  return { shown, variable: url.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY' };
}

function bypassesProxy(url: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy.split(/[,\s]+/).some((entry) => {
    if (!entry) return false;
    if (entry === '*') return true;
    const [name = '', entryPort] = entry.toLowerCase().split(':');
    if (entryPort && entryPort !== port) return false;
    const bare = name.replace(/^\*?\./, '');
    return host === bare || host.endsWith(`.${bare}`);
  });
}

// ---------------------------------------------------------------------------------------------
// Failures
// ---------------------------------------------------------------------------------------------

const CA_FIX =
  'If your network uses a private certificate authority, point NODE_EXTRA_CA_CERTS at its certificate (a PEM file), ' +
  "or set NODE_USE_SYSTEM_CA=1 to trust the operating system's certificate store";

/** What each TLS verification error means, in words. */
const CERT_PROBLEMS: Record<string, { what: string; caFix: boolean }> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: { what: 'is signed by a certificate authority this machine does not trust', caFix: true },
  UNABLE_TO_GET_ISSUER_CERT: { what: 'is signed by a certificate authority this machine does not trust', caFix: true },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: { what: 'is signed by a certificate authority this machine does not trust', caFix: true },
  SELF_SIGNED_CERT_IN_CHAIN: { what: 'comes from a self-signed certificate authority this machine does not trust', caFix: true },
  DEPTH_ZERO_SELF_SIGNED_CERT: { what: 'is self-signed and not trusted here', caFix: true },
  CERT_UNTRUSTED: { what: 'is not trusted here', caFix: true },
  CERT_HAS_EXPIRED: { what: 'has expired', caFix: false },
  CERT_NOT_YET_VALID: { what: 'is not valid yet (is this machine’s clock right?)', caFix: false },
  ERR_TLS_CERT_ALTNAME_INVALID: { what: 'is for another host name', caFix: false },
  HOSTNAME_MISMATCH: { what: 'is for another host name', caFix: false },
  CERT_REVOKED: { what: 'has been revoked', caFix: false },
};

interface FailureContext {
  stage: 'headers' | 'body';
  deadlineMs: number;
  timedOut: boolean;
  elapsedMs: number;
  proxy: { shown: string; variable: string } | undefined;
}

function networkFailure(url: URL, error: unknown, ctx: FailureContext): AppError {
  const chain = causes(error);
  const code = chain.map((e) => (e as { code?: string }).code).find((c) => typeof c === 'string' && c !== 'UND_ERR_ABORTED' && c !== 'ABORT_ERR') ?? '';
  const cert = CERT_PROBLEMS[code];
  if (cert) {
    const fix = cert.caFix ? `. ${CA_FIX}` : '';
    return failure(`the TLS certificate of ${url.host} ${cert.what} (${code})${fix}`, { code: 'untrusted_certificate', cause: error });
  }
  // zlib's codes (Z_DATA_ERROR, Z_BUF_ERROR for a cut-off stream) and its Brotli decoder's (ERR__ERROR_FORMAT_…).
  if (/^Z_|^ERR__ERROR/.test(code)) {
    return failure(`${url.host} sent a compressed answer that could not be decoded (${code})`, { code: 'malformed_response', cause: error });
  }
  const timedOut = ctx.timedOut || /TIMEOUT/i.test(code) || chain.some((e) => (e as Error | null)?.name === 'TimeoutError');
  if (timedOut) {
    const took = formatDuration(Math.max(ctx.elapsedMs, ctx.stage === 'headers' && /CONNECT/i.test(code) ? CONNECT_TIMEOUT_MS : ctx.elapsedMs));
    const what = /CONNECT/i.test(code)
      ? `could not connect to ${ctx.proxy ? `the proxy ${ctx.proxy.shown}` : url.host} within ${took}`
      : ctx.stage === 'headers'
        ? `${url.host} did not answer within ${took}`
        : `${url.host} did not finish sending its answer within ${took}`;
    return failure(what, { code: 'timeout', cause: error });
  }
  const message = chain.map((e) => (e instanceof Error ? e.message : '')).find(Boolean) ?? String(error);
  const proxyRefused = /Proxy response \((\d+)\)/.exec(message);
  if (ctx.proxy && proxyRefused) {
    const status = proxyRefused[1];
    const hint = status === '407' ? ': it needs credentials (http://user:password@host:port)' : '';
    return failure(`the proxy ${ctx.proxy.shown} (${ctx.proxy.variable}) refused to connect to ${url.host} (HTTP ${status})${hint}`, { code: 'proxy_refused', cause: error });
  }
  if (ctx.proxy && /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET/.test(code) && ctx.stage === 'headers' && !/socket/i.test(message)) {
    return failure(`could not reach ${url.host} through the proxy ${ctx.proxy.shown} (${ctx.proxy.variable}): ${code}`, { code: 'network', cause: error });
  }
  const reason = code === 'ENOTFOUND' ? 'no such host (ENOTFOUND)' : code || message;
  return failure(`could not reach ${url.host}: ${reason}`, { code: 'network', cause: error });
}

function causes(error: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e: unknown = error; e && out.length < 6; e = (e as { cause?: unknown }).cause) out.push(e);
  return out;
}

function backoffMs(attempt: number): number {
  return 250 * 2 ** (attempt - 1) + Math.floor(Math.random() * 100);
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}

function truncate(text: string, max: number, size = text.length): string {
  return size > max ? `${text.slice(0, max)}… (${size} bytes)` : text;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MiB` : `${Math.round(n / 1024)} KiB`;
}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(interrupted());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(interrupted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
