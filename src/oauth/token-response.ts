// A token endpoint's answer (RFC 6749 §5.1) and how it becomes the token set we keep.
import type { TokenSet } from '../token-set.js';

export interface TokenResponse {
  access_token: string;
  token_type?: string;
  scope?: string;
  expires_in?: number | string;
  refresh_token?: string;
  refresh_token_expires_in?: number | string;
  id_token?: string;
}

export function tokenSetFrom(res: TokenResponse, now: Date, requestedScopes: string[] = []): TokenSet {
  const at = (seconds: number | string | undefined) => {
    const n = Number(seconds);
    return seconds !== undefined && Number.isFinite(n) && n > 0 ? new Date(now.getTime() + n * 1000).toISOString() : undefined;
  };
  const set: TokenSet = {
    accessToken: res.access_token,
    tokenType: (res.token_type ?? 'bearer').toLowerCase(),
    // RFC 6749 §5.1: scope may be omitted when it equals what was asked for.
    scopes: res.scope !== undefined ? splitScopes(res.scope) : requestedScopes,
  };
  const expiresAt = at(res.expires_in);
  const refreshTokenExpiresAt = at(res.refresh_token_expires_in);
  if (res.refresh_token) set.refreshToken = res.refresh_token;
  if (expiresAt) set.expiresAt = expiresAt;
  if (refreshTokenExpiresAt) set.refreshTokenExpiresAt = refreshTokenExpiresAt;
  // OpenID Connect: kept for kubectl and scripts that need it (`oauthcli token --id-token`).
  if (res.id_token) set.idToken = res.id_token;
  return set;
}

/** Scopes arrive space-separated (RFC 6749) or comma-separated (GitHub). */
export function splitScopes(scope: string): string[] {
  return scope
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
