// Checking an expiry that a client dated from when a token's answer arrived (src/oauth/token-response.ts):
// it lies `seconds` after a moment known to come before that answer (the grant's time at a fake,
// or a time taken before the command ran) and no more than `seconds` after now. That holds
// however long the test took, which a window measured from now ("more than 7 h left") does not.
import { expect } from 'vitest';

export function expectExpiresIn(expiresAt: unknown, seconds: number, issuedNotBefore: number): void {
  expect(expiresAt).toEqual(expect.any(String));
  const at = Date.parse(expiresAt as string);
  expect(at).toBeGreaterThanOrEqual(issuedNotBefore + seconds * 1000);
  expect(at).toBeLessThanOrEqual(Date.now() + seconds * 1000);
}
