// The refresh lock is held across a token request: it must not go stale before the request's own
// deadline has passed, with room for the keychain write after it. The store makes no requests and
// so does not import the HTTP client's limits; this test keeps the two numbers together.
import { expect, it } from 'vitest';
import { REQUEST_DEADLINE_MS } from '../../src/http/limits.ts';
import { REFRESH_LOCK } from '../../src/store/lock.ts';

it("a refresh lock goes stale only well after the HTTP client's request deadline", () => {
  expect(REFRESH_LOCK.staleMs).toBeGreaterThanOrEqual(REQUEST_DEADLINE_MS + 10_000);
  expect(REFRESH_LOCK.waitMs).toBeGreaterThan(REFRESH_LOCK.staleMs);
});
