// The one HTTP client. Every request:
// - goes through undici: an EnvHttpProxyAgent (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, upper or lower
//   case; https through CONNECT) for the world, a plain Agent for loopback hosts, which are
//   never proxied (a token for 127.0.0.1 must not leave the machine); proxy.ts names the proxy;
// - uses plain http only to loopback hosts (insecure-hosts.ts);
// - has a deadline for the whole exchange, headers and body (a server that drips a byte every
//   few seconds must not hold a command, or the refresh lock, forever), and a size limit
//   (response-body.ts);
// - fails with one line that says what happened and what to do (network-failure.ts: an
//   untrusted certificate names both ways to trust a private CA);
// - is retried, when idempotent, on dropped connections, 5xx (retry.ts), and rate limits that
//   ask us to wait (rate-limit.ts);
// - asks for a compressed answer and decodes it (decode.ts), as gh does through Go's transport:
//   GitHub's repository JSON is ~25× smaller gzipped. The size limit counts decoded bytes;
// - is traced with --debug, every secret redacted.
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { AppError, failure, interrupted } from '../errors.js';
import { keepWebAssemblyInBaselineCode } from '../v8-flags.js';
import { ACCEPT_ENCODING, decode, decoderFor, releaseDecoded } from './decode.js';
import { hasSecureScheme, isLoopbackHostname } from './insecure-hosts.js';
import { CONNECT_TIMEOUT_MS, MAX_BODY_BYTES, REQUEST_DEADLINE_MS } from './limits.js';
import { networkFailure } from './network-failure.js';
import { proxyFor, proxySettings } from './proxy.js';
import { rateLimit, rateLimitFailure, SECONDARY_LIMIT_WAIT_MS, slowDownNotice } from './rate-limit.js';
import { redactHeaderValue, redactText } from './redact.js';
import { parseJson, readChunks } from './response-body.js';
import { backoffMs, defaultSleep } from './retry.js';

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
    if (!hasSecureScheme(url)) {
      throw url.protocol === 'http:'
        ? failure(`refusing to send a request to ${url.origin} over plain http: only loopback hosts may use http`, { code: 'insecure_url' })
        : failure(`unsupported URL scheme in ${url.protocol}//${url.host}`, { code: 'insecure_url' });
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
      throw networkFailure(url, error, { stage, timedOut, elapsedMs: Date.now() - started, proxy });
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
    const decoder = decoderFor(resHeaders['content-encoding']);
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
        if (limited?.kind === 'secondary' && req.retry && attempt < maxTries && limited.waitMs <= maxRetryAfterMs) {
          options.notice?.(slowDownNotice(res.url.host, limited.waitMs));
          await sleep(limited.waitMs, req.signal);
          continue;
        }
        if (limited) throw rateLimitFailure(res.url.host, limited);
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

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}

function truncate(text: string, max: number, size = text.length): string {
  return size > max ? `${text.slice(0, max)}… (${size} bytes)` : text;
}
