// RFC 8252 loopback redirect: a one-shot listener on 127.0.0.1 (never 0.0.0.0, never
// "localhost", which may resolve elsewhere), on a port the OS picks, or on the port of a fixed
// redirect URI for servers that compare redirect URIs as exact strings. It accepts exactly one
// authorization response carrying the expected `state` (and the expected `iss`: RFC 9207),
// refuses everything else without ending the flow (any local process can send it requests,
// malformed ones included), and closes as soon as the flow ends, on abort, or on timeout.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatDuration } from '../duration.js';
import { failure, interrupted, serverErrorCode } from '../errors.js';
import { OAuthError } from './errors.js';
import { pages, PAGE_HEADERS } from './pages.js';

export const CALLBACK_PATH = '/callback';

export interface RedirectListenerOptions {
  expectedState: string;
  /** When the response carries `iss`, it must equal this. */
  expectedIssuer?: string;
  /**
   * The issuer advertises `authorization_response_iss_parameter_supported` (RFC 9207 §3): a
   * response without `iss` then did not come from it, and is refused.
   */
  requireIssuer?: boolean;
  timeoutMs: number;
  /**
   * A fixed loopback redirect URI (`http://127.0.0.1:PORT/PATH` or `http://localhost:PORT/PATH`,
   * checked by the caller): the listener binds 127.0.0.1 on its port, answers on its path, and
   * `redirectUri` is this text exactly.
   */
  fixedRedirectUri?: string;
  signal?: AbortSignal;
  /**
   * A page served at START_PATH that starts the flow from this listener (a form post the
   * browser cannot be sent by a link: GitHub's app manifest). Built once the redirect URI is known.
   */
  startPage?: (redirectUri: string) => { body: string; headers: Record<string, string> };
  /** The page the browser shows once the code is in (default: pages.success()). */
  successPage?: string;
}

export const START_PATH = '/start';

export interface RedirectListener {
  redirectUri: string;
  port: number;
  /** The start page's URL, with `startPage`. */
  startUrl?: string;
  /** Resolves with the authorization code; rejects on an error response, timeout or abort. */
  result: Promise<{ code: string }>;
  /** Validates a redirect URL the user pasted, exactly like a callback. */
  submitRedirectUrl(url: string): { accepted: true } | { accepted: false; reason: string };
  close(): Promise<void>;
}

type Verdict =
  | { outcome: 'code'; code: string }
  | { outcome: 'error'; error: string; description: string | undefined }
  | { outcome: 'refused'; status: number; page: string; reason: string };

export async function startRedirectListener(opts: RedirectListenerOptions): Promise<RedirectListener> {
  let settled = false;
  let resolveResult!: (v: { code: string }) => void;
  let rejectResult!: (e: unknown) => void;
  const result = new Promise<{ code: string }>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  // The flow may end with nobody awaiting yet (e.g. Ctrl-C before login awaits): no unhandled rejection.
  result.catch(() => undefined);

  const judge = (params: URLSearchParams): Verdict => {
    if (settled) return { outcome: 'refused', status: 409, page: pages.alreadyDone(), reason: 'this sign-in has already finished' };
    if (params.get('state') !== opts.expectedState) {
      return { outcome: 'refused', status: 400, page: pages.badState(), reason: 'the state does not match this sign-in' };
    }
    const iss = params.get('iss');
    if (iss !== null && opts.expectedIssuer !== undefined && iss !== opts.expectedIssuer) {
      return { outcome: 'refused', status: 400, page: pages.badIssuer(), reason: 'the issuer (iss) does not match' };
    }
    if (iss === null && opts.requireIssuer) {
      return { outcome: 'refused', status: 400, page: pages.badIssuer(), reason: 'the response does not name its issuer (iss), which this issuer always sends' };
    }
    const error = params.get('error');
    if (error !== null) return { outcome: 'error', error, description: params.get('error_description') ?? undefined };
    const code = params.get('code');
    if (!code) return { outcome: 'refused', status: 400, page: pages.badState(), reason: 'the response carries no code' };
    return { outcome: 'code', code };
  };

  const settle = (verdict: Verdict) => {
    if (verdict.outcome === 'refused') return;
    settled = true;
    if (verdict.outcome === 'code') resolveResult({ code: verdict.code });
    else {
      const message =
        verdict.error === 'access_denied'
          ? 'the sign-in was denied in the browser'
          : `the provider answered the sign-in with ${verdict.error}${verdict.description ? `: ${verdict.description}` : ''}`;
      rejectResult(new OAuthError('failure', serverErrorCode(verdict.error), message, verdict.description));
    }
    void close();
  };

  let startPage: { body: string; headers: Record<string, string> } | undefined;
  const fixed = opts.fixedRedirectUri === undefined ? undefined : new URL(opts.fixedRedirectUri);
  const callbackPath = fixed?.pathname ?? CALLBACK_PATH;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      // A malformed request target (`GET http://[ HTTP/1.1`): refused, and the flow goes on.
      respond(res, 400, pages.notFound());
      return;
    }
    if (req.method === 'GET' && url.pathname === START_PATH && startPage && !settled) {
      res.writeHead(200, { ...startPage.headers, 'content-length': Buffer.byteLength(startPage.body), connection: 'close' });
      res.end(startPage.body);
      return;
    }
    if (req.method !== 'GET' || url.pathname !== callbackPath) {
      respond(res, 404, pages.notFound());
      return;
    }
    const verdict = judge(url.searchParams);
    if (verdict.outcome === 'refused') respond(res, verdict.status, verdict.page);
    else if (verdict.outcome === 'code') respond(res, 200, opts.successPage ?? pages.success(), () => settle(verdict));
    else respond(res, 200, pages.denied(verdict.error, verdict.description), () => settle(verdict));
  });
  server.keepAliveTimeout = 1_000;
  // Requests Node cannot even parse never reach the handler above; answer them, never crash.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (fixed && error.code === 'EADDRINUSE') {
        reject(failure(`port ${fixed.port} on 127.0.0.1, which the redirect URI ${opts.fixedRedirectUri} needs, is in use by another program`, { code: 'redirect_port_busy', cause: error }));
      } else reject(failure(`cannot listen on 127.0.0.1${fixed ? `:${fixed.port}` : ''}: ${error.message}`, { cause: error }));
    });
    server.listen(fixed ? Number(fixed.port) : 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const redirectUri = opts.fixedRedirectUri ?? `http://127.0.0.1:${port}${CALLBACK_PATH}`;
  const redirectOrigin = fixed?.origin ?? `http://127.0.0.1:${port}`;
  startPage = opts.startPage?.(redirectUri);

  const timer = setTimeout(() => {
    if (settled) return;
    settled = true;
    rejectResult(failure(`no answer from the browser within ${formatDuration(opts.timeoutMs)}; run the login again`, { code: 'timeout' }));
    void close();
  }, opts.timeoutMs);
  const onAbort = () => {
    if (settled) return;
    settled = true;
    rejectResult(interrupted());
    void close();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  let closing: Promise<void> | undefined;
  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      server.close(() => resolve());
      server.closeIdleConnections();
      // A browser may hold a keep-alive socket open; do not let it keep us waiting.
      setTimeout(() => server.closeAllConnections(), 200).unref();
    });
    return closing;
  }

  return {
    redirectUri,
    port,
    ...(startPage ? { startUrl: `http://127.0.0.1:${port}${START_PATH}` } : {}),
    result,
    close,
    submitRedirectUrl(text) {
      let url: URL;
      try {
        url = new URL(text.trim());
      } catch {
        return { accepted: false, reason: 'that is not a URL' };
      }
      if (url.origin !== redirectOrigin || url.pathname !== callbackPath) {
        return { accepted: false, reason: `that URL does not start with ${redirectUri}` };
      }
      const verdict = judge(url.searchParams);
      if (verdict.outcome === 'refused') return { accepted: false, reason: verdict.reason };
      settle(verdict);
      return { accepted: true };
    },
  };
}

function respond(res: ServerResponse, status: number, body: string, then?: () => void): void {
  res.writeHead(status, { ...PAGE_HEADERS, 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body, then);
}
