// When an ID token stops being good, from its `exp` claim (OpenID Connect Core §2). Read
// without checking the signature: the token was validated when it arrived (sign-in or refresh),
// and here only its lifetime matters, to refresh in time and to tell kubectl when it ends.
import { decodeJwt } from 'jose';

/** ISO-8601 time of the `exp` claim; undefined when the token is not a JWT or has no numeric `exp`. */
export function idTokenExpiresAt(idToken: string): string | undefined {
  try {
    const { exp } = decodeJwt(idToken);
    return typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000).toISOString() : undefined;
  } catch {
    return undefined;
  }
}
