// The refresh-token grant (RFC 6749 §6).
import type { ErrorCode } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import type { ClientAuth } from './client-auth.js';
import { OAuthError } from './errors.js';
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

/**
 * Error codes by which a token endpoint refuses a refresh for good: RFC 6749 §5.2's invalid_grant
 * (the refresh token is invalid, expired or revoked) and unauthorized_client, and RFC 6750's
 * invalid_token, which some servers send here.
 */
const REFRESH_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['invalid_grant', 'unauthorized_client', 'invalid_token']);

/**
 * Whether a failed refresh means the refresh token is dead and the user must sign in again:
 * one of the standard codes, or one of the provider's own (`providerCodes`, which the caller
 * takes from the provider).
 */
export function isRefreshRefusal(error: unknown, providerCodes: readonly ErrorCode[] = []): boolean {
  if (!(error instanceof OAuthError) || error.code === undefined) return false;
  return REFRESH_REFUSALS.has(error.code) || providerCodes.includes(error.code);
}
