// One request to a token endpoint (RFC 6749 §3.2) and the reading of its answer. Used by the
// device, authorization-code and refresh grants alike.
import { describeBody } from '../http/body-kind.js';
import type { HttpClient } from '../http/client.js';
import { failure } from '../errors.js';
import { clientAuthFields, type ClientAuth } from './client-auth.js';
import { oauthErrorFrom } from './errors.js';
import type { TokenResponse } from './token-response.js';

export interface TokenRequest {
  endpoint: string;
  /** The grant's own parameters; the client's identity is added from `client`. */
  params: Record<string, string | undefined>;
  client: ClientAuth;
  /** Whether this request authenticates with the client secret (when one is configured). */
  sendSecret: boolean;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Returns the token response, or throws an OAuthError carrying the provider's `error` code. */
export async function requestToken(http: HttpClient, req: TokenRequest): Promise<TokenResponse> {
  const auth = clientAuthFields(req.client, req.sendSecret);
  const res = await http.request({
    method: 'POST',
    url: req.endpoint,
    headers: { accept: 'application/json', ...req.headers, ...auth.headers },
    form: { ...req.params, ...auth.params },
    signal: req.signal,
    ...(req.client.clientSecret ? { secrets: [req.client.clientSecret] } : {}),
  });
  const body = readOAuthBody(res.status, res.headers['content-type'], await res.text(), res.url);
  // Some providers (GitHub) answer errors with HTTP 200, so `error` wins over the status.
  if (typeof body.error === 'string' || res.status >= 400) throw oauthErrorFrom(body, `${res.url.host} refused the token request`);
  if (typeof body.access_token !== 'string' || body.access_token === '') {
    throw failure(`${res.url.host} sent a token response without an access token`, { code: 'malformed_response' });
  }
  return body as unknown as TokenResponse;
}

/** Parses an OAuth endpoint's body: JSON (RFC 6749), or form-encoded where a provider defaults to it. */
export function readOAuthBody(status: number, contentType: string | undefined, raw: string, url: URL): Record<string, unknown> {
  if (/application\/x-www-form-urlencoded/i.test(contentType ?? '')) {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through to the clear message below
  }
  throw failure(`${url.host} answered ${url.pathname} with ${describeBody(raw, contentType)} instead of JSON (HTTP ${status})`, { code: 'malformed_response' });
}
