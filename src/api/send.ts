// One `oauthcli api` request, following redirects as gh's Go client does (GitHub answers a renamed
// repository with 301, an archive download with 302). Credentials go with a redirect only to the
// origin the request was first sent to (scheme, host and port): the token, and every header of
// the caller's that carries one (Authorization, Cookie, Private-Token, X-Api-Key, …), as Go's
// client drops Authorization, Cookie and WWW-Authenticate for another host. Once a redirect has
// left that origin they are never sent again, not even to a redirect back to it: where a
// request with credentials goes is never chosen by another server.
import { failure } from '../errors.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../http/client.js';
import { MAX_PAGE_BYTES } from '../http/limits.js';

export interface ApiRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array | undefined;
  token: string;
  signal?: AbortSignal | undefined;
}

/** Go's http.Client stops after 10 redirects. */
const MAX_REDIRECTS = 10;

export async function send(http: HttpClient, req: ApiRequest): Promise<HttpResponse> {
  const origin = new URL(req.url).origin;
  let { method, body } = req;
  let bodyDropped = false;
  let url = new URL(req.url);
  let trusted = true;
  for (let hops = 0; ; hops++) {
    trusted &&= url.origin === origin;
    const headers: Record<string, string> = trusted ? { authorization: `Bearer ${req.token}`, ...req.headers } : withoutCredentials(req.headers);
    if (bodyDropped) delete headers['content-type'];
    const res = await http.request({
      // Any method token the user gives (gh sends -X as it is, upper-cased); the client's type lists the usual ones.
      method: method as HttpRequest['method'],
      url,
      headers,
      ...(body === undefined ? {} : { body }),
      // Only requests that change nothing may be sent twice.
      retry: method === 'GET' || method === 'HEAD',
      maxBodyBytes: MAX_PAGE_BYTES,
      secrets: [req.token],
      signal: req.signal,
    });
    const location = res.headers.location;
    if (![301, 302, 303, 307, 308].includes(res.status) || !location) return res;
    if (hops + 1 >= MAX_REDIRECTS) {
      await res.dump();
      throw failure(`${url.host} redirected ${MAX_REDIRECTS} times; stopped following`, { code: 'too_many_redirects' });
    }
    await res.dump();
    url = new URL(location, url);
    // As browsers and Go do: a 303, or a 301/302 after a POST, is followed with a GET and no body.
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      if (method !== 'HEAD') method = 'GET';
      bodyDropped ||= body !== undefined;
      body = undefined;
    }
  }
}

/**
 * Names of headers that carry a credential: the standard ones (RFC 9110 §11.6-11.7, RFC 6265)
 * and any whose name says so (Private-Token, Job-Token, X-Api-Key, X-Auth-Token, X-Session-Id, …).
 */
const CREDENTIAL_HEADER = /auth|cookie|token|key|secret|session|passw|credential/i;

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADER.test(name)));
}
