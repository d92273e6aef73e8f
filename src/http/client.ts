// The one HTTP client: a single undici dispatcher (EnvHttpProxyAgent, so HTTPS_PROXY, HTTP_PROXY
// and NO_PROXY are honoured), a timeout on every request, retries for idempotent requests, rate
// limit errors, the plain-http rule and the --debug trace.
import type { Dispatcher } from 'undici';
// Not `from 'undici'`: its index loads all of undici (fetch, WebSocket, caches, mocks: ~110
// modules, the slowest step of a command's start-up). This client needs the proxy-aware agent
// and `request` only (types: src/types/undici-lib.d.ts).
import EnvHttpProxyAgent from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import undiciRequest from 'undici/lib/api/api-request.js';
import { AppError, failure, interrupted } from '../errors.js';
import { isLoopbackHostname } from './loopback.js';
import { redactHeaderValue, redactText } from './redact.js';

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  url: string | URL;
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string | undefined>;
  /** Sent as application/json. */
  json?: unknown;
  /** Overrides the client's default timeout for this request. */
  timeoutMs?: number;
  /** Retry 5xx answers, connection resets and secondary rate limits (idempotent requests only). */
  retry?: boolean;
  signal?: AbortSignal;
  /** Values to hide from the --debug trace besides the usual secret fields. */
  secrets?: string[];
}

export interface HttpResponse {
  status: number;
  url: URL;
  headers: Record<string, string>;
  text(): Promise<string>;
  /** The body undecoded, in memory of its own: a large body (a page of a listing) can be passed on without copies. */
  bytes(): Promise<Buffer>;
  /** Parses JSON; a non-JSON body (an HTML error page, say) becomes one clear failure. */
  json<T = unknown>(): Promise<T>;
  /** Discards the body. */
  dump(): Promise<void>;
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
}

export interface HttpClientOptions {
  timeoutMs?: number;
  userAgent?: string;
  /** Receives --debug trace lines, already redacted. */
  debug?: (line: string) => void;
  /** Receives notes for the user, e.g. "waiting 30 s for GitHub's rate limit". */
  notice?: (line: string) => void;
  maxTries?: number;
  /** Longest wait a `retry-after` may ask for before we give up instead of waiting. */
  maxRetryAfterMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  dispatcher?: Dispatcher;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxTries = options.maxTries ?? 3;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const sleep = options.sleep ?? defaultSleep;
  const dispatcher =
    options.dispatcher ??
    new EnvHttpProxyAgent({ connectTimeout: Math.min(timeoutMs, 10_000), headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const debug = options.debug;

  async function once(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    if (url.protocol === 'http:' && !isLoopbackHostname(url.hostname)) {
      throw failure(`refusing to send a request to ${url.origin} over plain http: only loopback hosts may use http`, {
        code: 'insecure_url',
      });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw failure(`unsupported URL scheme in ${url.protocol}//${url.host}`, { code: 'insecure_url' });
    }
    const headers: Record<string, string> = {
      'user-agent': options.userAgent ?? 'oauthcli',
      ...lowerKeys(req.headers ?? {}),
    };
    let body: string | undefined;
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
    if (debug) {
      debug(`> ${method} ${redactText(url.toString(), secrets)}`);
      for (const [k, v] of Object.entries(headers)) debug(`> ${k}: ${redactText(redactHeaderValue(k, v), secrets)}`);
      if (body) debug(`> ${redactText(body, secrets)}`);
    }
    const signal = req.signal;
    if (signal?.aborted) throw interrupted();
    const perRequestTimeout = req.timeoutMs ?? timeoutMs;
    const started = Date.now();
    let res: Dispatcher.ResponseData;
    try {
      res = await undiciRequest.call(dispatcher, {
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        body,
        signal,
        headersTimeout: perRequestTimeout,
        bodyTimeout: perRequestTimeout,
      });
    } catch (error) {
      if (signal?.aborted) throw interrupted();
      throw networkFailure(url, error, perRequestTimeout);
    }
    const resHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      if (v !== undefined) resHeaders[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    }
    if (debug) {
      debug(`< ${res.statusCode} (${Date.now() - started} ms)`);
      for (const [k, v] of Object.entries(resHeaders)) debug(`< ${k}: ${redactHeaderValue(k, v)}`);
    }
    const bodyFailure = (error: unknown): never => {
      if (signal?.aborted) throw interrupted();
      throw networkFailure(url, error, perRequestTimeout);
    };
    let textPromise: Promise<string> | undefined;
    let bytesPromise: Promise<Buffer> | undefined;
    const text = () => {
      textPromise ??= bytesPromise
        ? bytesPromise.then((b) => new TextDecoder().decode(b))
        : res.body.text().then((t) => {
            if (debug && t) debug(`< ${truncate(redactText(t, secrets), 2000)}`);
            return t;
          }, bodyFailure);
      return textPromise;
    };
    const bytes = () => {
      bytesPromise ??= textPromise
        ? textPromise.then((t) => Buffer.from(t))
        : res.body.bytes().then((u8) => {
            const b = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
            // Only the start is decoded for the trace; any secret within its first 2,000 characters is whole in it.
            if (debug && b.length) debug(`< ${truncate(redactText(b.toString('utf8', 0, 4000), secrets), 2000, b.length)}`);
            return b;
          }, bodyFailure);
      return bytesPromise;
    };
    return {
      status: res.statusCode,
      url,
      headers: resHeaders,
      text,
      bytes,
      async json<T>() {
        const raw = await text();
        return parseJson<T>(raw, url, res.statusCode, resHeaders['content-type']);
      },
      async dump() {
        if (!textPromise && !bytesPromise) await res.body.dump().catch(() => undefined);
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
          const retriable = req.retry && attempt < maxTries && error instanceof AppError && error.code === 'network';
          if (!retriable) throw error;
          await sleep(backoffMs(attempt), req.signal);
          continue;
        }
        const limited = rateLimit(res);
        if (limited?.kind === 'primary') {
          await res.dump();
          throw failure(
            `${res.url.host} rate limit reached; it resets at ${limited.resetAt?.toLocaleTimeString() ?? 'a later time'}. Try again then.`,
            { code: 'rate_limited' },
          );
        }
        if (limited?.kind === 'secondary' && req.retry && attempt < maxTries && limited.waitMs <= maxRetryAfterMs) {
          await res.dump();
          options.notice?.(`${res.url.host} asked us to slow down; retrying in ${Math.ceil(limited.waitMs / 1000)} s.`);
          await sleep(limited.waitMs, req.signal);
          continue;
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

function rateLimit(res: HttpResponse): RateLimit | undefined {
  if (res.status !== 403 && res.status !== 429) return undefined;
  const retryAfter = res.headers['retry-after'];
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    const waitMs = Number.isFinite(seconds) ? seconds * 1000 : Math.max(0, Date.parse(retryAfter) - Date.now());
    return { kind: 'secondary', waitMs: Number.isFinite(waitMs) ? waitMs : 60_000 };
  }
  if (res.headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(res.headers['x-ratelimit-reset']);
    return { kind: 'primary', resetAt: Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined };
  }
  return undefined;
}

function parseJson<T>(raw: string, url: URL, status: number, contentType: string | undefined): T {
  try {
    return JSON.parse(raw) as T;
  } catch {
    const looksHtml = /html/i.test(contentType ?? '') || /^\s*</.test(raw);
    const what = looksHtml ? 'an HTML page' : raw.trim() === '' ? 'an empty body' : 'a malformed reply';
    throw failure(`${url.host} answered ${url.pathname} with ${what} instead of JSON (HTTP ${status})`, {
      code: 'malformed_response',
    });
  }
}

function networkFailure(url: URL, error: unknown, timeoutMs: number): AppError {
  const code = (error as { code?: string } | null)?.code ?? '';
  if (/TIMEOUT/i.test(code) || (error as Error | null)?.name === 'TimeoutError') {
    return failure(`${url.host} did not answer within ${Math.round(timeoutMs / 1000)} s`, { code: 'network', cause: error });
  }
  const reason = code || (error instanceof Error ? error.message : String(error));
  return failure(`could not reach ${url.host}: ${reason}`, { code: 'network', cause: error });
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
