// Answers some OAuth servers give where the RFCs say otherwise, and how to read them as the RFCs'.
// Google gives both; an issuer added with `provider add` may be any server, so it is read with
// them too.

/** RFC 8628's drafts named the verification address `verification_url`; servers built on them still do (Google). */
export const DRAFT_DEVICE_FIELDS: Readonly<Record<string, string>> = { verification_url: 'verification_uri' };

/**
 * A revocation answered 400 invalid_token: the token is gone already (revoked or expired, or
 * ended with the refresh token revoked just before it), which counts as revoked. RFC 7009 §2.2
 * says 200 for it; Google answers "400 … along with an error code" (its limited-input-device
 * guide, "Token revocation"), invalid_token "Token expired or revoked".
 */
export function invalidTokenMeansGone(answer: { status: number; body: string }): boolean {
  return answer.status === 400 && /invalid_token/.test(answer.body);
}
