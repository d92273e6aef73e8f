// PKCE (RFC 7636) with S256 only, and the `state` value; both from the OS's CSPRNG.
import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes → 43 base64url characters (RFC 7636 §4.1 asks for 43–128). */
export function createCodeVerifier(): string {
  return randomBytes(32).toString('base64url');
}

export function codeChallengeS256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** 256 bits: well above the 128 bits RFC 9700 asks of a CSRF token. */
export function createState(): string {
  return randomBytes(32).toString('base64url');
}
