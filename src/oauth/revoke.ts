// RFC 7009 token revocation.
import { AppError, failure } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { clientAuthFields, type ClientAuth } from './client-auth.js';

export interface RevocationRequest {
  endpoint: string;
  token: string;
  tokenTypeHint: 'access_token' | 'refresh_token';
  client: ClientAuth;
  signal?: AbortSignal;
  /**
   * Whether an answer other than §2.2's 200 means the token is gone already (revoked or
   * expired): the server's own way of saying so, which counts as revoked.
   */
  alreadyGone?: (answer: { status: number; body: string }) => boolean;
}

export async function revokeToken(http: HttpClient, r: RevocationRequest): Promise<void> {
  const auth = clientAuthFields(r.client, true);
  const res = await http.request({
    method: 'POST',
    url: r.endpoint,
    headers: { accept: 'application/json', ...auth.headers },
    form: { token: r.token, token_type_hint: r.tokenTypeHint, ...auth.params },
    signal: r.signal,
    secrets: [r.token, ...(r.client.clientSecret ? [r.client.clientSecret] : [])],
  });
  const text = await res.text();
  // §2.2: 200 whether or not the token was valid.
  if (res.status === 200) return;
  if (r.alreadyGone?.({ status: res.status, body: text })) return;
  if (res.status === 400 && /unsupported_token_type/.test(text)) {
    throw failure(`${res.url.host} does not revoke ${r.tokenTypeHint === 'access_token' ? 'access' : 'refresh'} tokens (unsupported_token_type)`, { code: 'unsupported_token_type' });
  }
  // §2.1 lets a server require client authentication here, and a public client has none to give
  // (glewlwyd answers 401): retrying cannot help, so it gets a code of its own.
  if (!r.client.clientSecret && (res.status === 401 || (res.status === 400 && /invalid_client/.test(text)))) {
    throw failure(`${res.url.host} revokes tokens only for clients that authenticate, and this client has no secret (HTTP ${res.status})`, { code: 'revocation_needs_client_auth' });
  }
  throw failure(`${res.url.host} answered HTTP ${res.status} to the revocation request`, { code: 'revoke_failed' });
}

/** Revokes a whole token set: the refresh token first, since revoking it ends the grant at most servers. */
export async function revokeTokenSet(
  http: HttpClient,
  r: Pick<RevocationRequest, 'endpoint' | 'client' | 'signal' | 'alreadyGone'> & { tokens: { accessToken: string; refreshToken?: string } },
): Promise<void> {
  const common = { endpoint: r.endpoint, client: r.client, ...(r.signal ? { signal: r.signal } : {}), ...(r.alreadyGone ? { alreadyGone: r.alreadyGone } : {}) };
  if (!r.tokens.refreshToken) return revokeToken(http, { ...common, token: r.tokens.accessToken, tokenTypeHint: 'access_token' });
  await revokeToken(http, { ...common, token: r.tokens.refreshToken, tokenTypeHint: 'refresh_token' });
  // §2.2.1 unsupported_token_type: a server that revokes only refresh tokens (Cognito) ends the
  // access tokens with the refresh token that made them; that revocation has just succeeded.
  await revokeToken(http, { ...common, token: r.tokens.accessToken, tokenTypeHint: 'access_token' }).catch((error: unknown) => {
    if (!(error instanceof AppError && error.code === 'unsupported_token_type')) throw error;
  });
}
