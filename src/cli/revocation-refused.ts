// What still signs a user out when the server refuses to revoke for a public client (RFC 7009
// §2.1 lets it ask every client to authenticate): the tokens are forgotten here, the access token
// runs out on its own, and the sessions end where the provider keeps them.
import { AppError } from '../errors.js';
import type { Session } from '../session/session.js';
import type { TokenSet } from '../token-set.js';
import { safeText } from './terminal/safe-text.js';

export function isRevocationRefused(error: unknown): error is AppError & { code: 'revocation_needs_client_auth' } {
  return error instanceof AppError && error.code === 'revocation_needs_client_auth';
}

/** "the access token stays valid until …; the refresh token until … (or until the session ends at URL)". */
export async function whatStaysValid(session: Pick<Session, 'provider' | 'tokens' | 'endpoints'>, clientId: string | undefined): Promise<string> {
  const { tokens, provider } = session;
  const url = await session
    .endpoints()
    .then((e) => provider.revokeByHandUrl(e, clientId ?? ''))
    .catch(() => undefined);
  return `${validity(tokens)}${url ? `; end the sessions at ${safeText(url)}` : ''}`;
}

function validity(tokens: TokenSet): string {
  const access = tokens.expiresAt ? `the access token stays valid until ${tokens.expiresAt}` : 'the access token does not expire';
  if (!tokens.refreshToken) return access;
  return `${access}, the refresh token ${tokens.refreshTokenExpiresAt ? `until ${tokens.refreshTokenExpiresAt}` : 'until the server ends the session'}`;
}
