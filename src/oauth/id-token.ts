// ID token validation (OpenID Connect Core §3.1.3.7) with jose: signature against the issuer's
// JWKS, then iss, aud (ours alone), azp, exp, and the nonce we sent.
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { failure } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { MAX_METADATA_BYTES } from '../http/limits.js';

export interface IdTokenCheck {
  idToken: string;
  /** The accepted `iss` values (Google signs with two spellings of its issuer). */
  issuer: string | string[];
  clientId: string;
  jwksUri: string;
  /**
   * For an issuer whose identifier is a template (a multi-tenant authority): the `iss` this token
   * must carry, worked out from its other claims; undefined refuses the token. Replaces `issuer`.
   */
  issuerFromClaims?(claims: JWTPayload): string | undefined;
  /**
   * Whether the key that signed the token may sign for its issuer, where the key set says whom
   * each key signs for (Microsoft's keys carry an `issuer`); absent: any published key.
   */
  keyAccepts?(key: Record<string, unknown>, claims: JWTPayload): boolean;
  /** The nonce sent in the authorization request; none for the device flow or a refresh. */
  nonce?: string;
  /**
   * A refreshed ID token (OIDC Core §12.2): the claims of the one it replaces, whose iss, sub
   * and aud it must repeat.
   */
  previous?: JWTPayload;
  signal?: AbortSignal;
}

const CLOCK_TOLERANCE_SECONDS = 30;

export async function validateIdToken(http: HttpClient, check: IdTokenCheck): Promise<JWTPayload> {
  const res = await http.request({ url: check.jwksUri, headers: { accept: 'application/json' }, retry: true, signal: check.signal, maxBodyBytes: MAX_METADATA_BYTES });
  const jwks = await res.json<JSONWebKeySet>();
  if (res.status !== 200 || !Array.isArray(jwks?.keys)) throw failure(`the issuer's key set (${check.jwksUri}) could not be read (HTTP ${res.status})`, { code: 'invalid_id_token' });
  // The issuer as the user knows it; the other accepted spellings (Google's) are not names to show.
  const from = Array.isArray(check.issuer) ? (check.issuer[0] ?? '') : check.issuer;
  let payload: JWTPayload;
  let kid: string | undefined;
  try {
    const issuer = check.issuerFromClaims ? (check.issuerFromClaims(decodeJwt(check.idToken)) ?? []) : check.issuer;
    let protectedHeader;
    ({ payload, protectedHeader } = await jwtVerify(check.idToken, createLocalJWKSet(jwks), {
      issuer,
      audience: check.clientId,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
    }));
    kid = protectedHeader.kid;
  } catch (error) {
    throw failure(`the ID token from ${from} is not valid: ${describe(error)}`, { code: 'invalid_id_token', cause: error });
  }
  if (check.keyAccepts) {
    const key = jwks.keys.find((k) => k.kid === kid) as Record<string, unknown> | undefined;
    if (!key || !check.keyAccepts(key, payload)) throw failure(`the ID token from ${from} is not valid: it is signed with a key that does not sign for its issuer`, { code: 'invalid_id_token' });
  }
  // §3.1.3.7 (3): rejected if it "contains additional audiences not trusted by the Client" — we
  // trust no other audience, whatever azp says; (5): an azp present must be us.
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (audiences.some((aud) => aud !== check.clientId)) {
    throw failure(`the ID token from ${from} is not valid: it is also meant for another audience (aud)`, { code: 'invalid_id_token' });
  }
  if (payload.azp !== undefined && payload.azp !== check.clientId) {
    throw failure(`the ID token from ${from} is not valid: it was issued to another party (azp)`, { code: 'invalid_id_token' });
  }
  if (check.nonce !== undefined && payload.nonce !== check.nonce) {
    throw failure(`the ID token from ${from} is not valid: its nonce does not match this sign-in`, { code: 'invalid_id_token' });
  }
  if (check.previous) {
    // §12.2: "its iss Claim Value MUST be the same as in the ID Token issued when the original
    // authentication occurred, its sub Claim Value MUST be the same, … its aud Claim Value MUST be the same".
    const same = (a: unknown, b: unknown) => JSON.stringify(Array.isArray(a) ? [...a].sort() : [a]) === JSON.stringify(Array.isArray(b) ? [...b].sort() : [b]);
    // Google signs with two spellings of one issuer: either counts as the same.
    const spellings = Array.isArray(check.issuer) && !check.issuerFromClaims ? check.issuer : [];
    const sameIssuer = payload.iss === check.previous.iss || (spellings.includes(payload.iss ?? '') && spellings.includes(check.previous.iss ?? ''));
    if (!sameIssuer) throw failure(`the refreshed ID token from ${from} is not valid: it names another issuer than the sign-in's`, { code: 'invalid_id_token' });
    if (payload.sub !== check.previous.sub) throw failure(`the refreshed ID token from ${from} is not valid: it is about another user than the sign-in's`, { code: 'invalid_id_token' });
    if (!same(payload.aud, check.previous.aud)) throw failure(`the refreshed ID token from ${from} is not valid: its audience differs from the sign-in's`, { code: 'invalid_id_token' });
  }
  return payload;
}

/** The claims of an ID token this process validated before (kept in the keychain): decoded, not checked again. */
export function claimsOf(idToken: string): JWTPayload | undefined {
  try {
    return decodeJwt(idToken);
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  const claim = (error as { claim?: string }).claim;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'it has expired';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'its signature does not verify';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return "it is signed with a key the issuer does not publish";
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claim === 'aud' ? 'it was issued to another client (aud)' : claim === 'iss' ? 'it comes from another issuer (iss)' : `its "${claim}" claim is wrong`;
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
