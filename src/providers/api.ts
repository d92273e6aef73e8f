// A bearer-token GET against a provider's API, with the answers every provider shares:
// 401 means the sign-in is dead (exit 4); other errors are failures with the server's message.
import { failure, notSignedIn } from '../errors.js';
import type { HttpClient, HttpResponse } from '../http/client.js';

export async function getWithToken<T>(
  http: HttpClient,
  url: string,
  accessToken: string,
  options: { headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<{ body: T; res: HttpResponse }> {
  const res = await http.request({
    url,
    headers: { accept: 'application/json', ...options.headers, authorization: `Bearer ${accessToken}` },
    retry: true,
    signal: options.signal,
    secrets: [accessToken],
  });
  await rejectUnsuccessful(res);
  return { body: await res.json<T>(), res };
}

/** A 401 means the token is dead: the user has to sign in again. Other errors are failures. */
export async function rejectUnsuccessful(res: HttpResponse): Promise<void> {
  if (res.status === 401) {
    await res.dump();
    throw notSignedIn(`${res.url.host} no longer accepts the stored token`, 'bad_credentials');
  }
  if (res.status >= 400) {
    // An HTML error page becomes "answered … with an HTML page instead of JSON (HTTP 502)".
    const body = await res.json<{ message?: unknown; error_description?: unknown }>();
    const message = typeof body?.message === 'string' ? body.message : typeof body?.error_description === 'string' ? body.error_description : undefined;
    throw failure(`${res.url.host} answered HTTP ${res.status}${message ? `: ${message}` : ''}`, { code: `http_${res.status}` });
  }
}
