// The refresh-token grant (RFC 6749 §6).
import type { ErrorCode } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import type { ClientAuth } from './client-auth.js';
import { requestToken } from './token-endpoint.js';
import type { TokenResponse } from './token-response.js';

export interface RefreshRequest {
  tokenEndpoint: string;
  client: ClientAuth;
  refreshToken: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function refreshTokenGrant(http: HttpClient, r: RefreshRequest): Promise<TokenResponse> {
  return requestToken(http, {
    endpoint: r.tokenEndpoint,
    params: { grant_type: 'refresh_token', refresh_token: r.refreshToken },
    client: r.client,
    sendSecret: true,
    headers: r.headers,
    signal: r.signal,
  });
}

/** Error codes by which a provider says the refresh token is dead (GitHub: bad_refresh_token). */
export const REFRESH_REFUSALS = new Set<ErrorCode>(['invalid_grant', 'bad_refresh_token', 'unauthorized_client', 'invalid_token']);
