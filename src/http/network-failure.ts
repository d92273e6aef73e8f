// A request that got no answer, in one line that says what happened and what to do: an
// untrusted certificate names both ways to trust a private CA, a timeout says how long we waited
// and for what, a proxy that refused says which variable set it.
import { formatDuration } from '../duration.js';
import { failure, type AppError } from '../errors.js';
import { CONNECT_TIMEOUT_MS } from './limits.js';
import type { ProxyRoute } from './proxy.js';

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

export interface FailureContext {
  /** Whether the headers or the body were awaited when it failed. */
  stage: 'headers' | 'body';
  /** Whether the request's own deadline ended it. */
  timedOut: boolean;
  elapsedMs: number;
  proxy: ProxyRoute | undefined;
}

export function networkFailure(url: URL, error: unknown, ctx: FailureContext): AppError {
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

/** An error and the errors it wraps (`cause`), outermost first: undici's codes sit a level or two down. */
function causes(error: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e: unknown = error; e && out.length < 6; e = (e as { cause?: unknown }).cause) out.push(e);
  return out;
}
