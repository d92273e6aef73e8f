// Rate limits, read by GitHub's documented rules (REST API "Rate limits", "exceeding the rate
// limit"), which other providers' `retry-after` and 429 answers fit too: what an answer says
// about waiting, and the lines that tell the user.
import { formatDuration } from '../duration.js';
import { failure, type AppError } from '../errors.js';

/** GitHub: a secondary rate limit without retry-after means "wait for at least one minute before retrying". */
export const SECONDARY_LIMIT_WAIT_MS = 60_000;

/** What is read of an answer here (an HttpResponse). */
interface Answer {
  status: number;
  headers: Record<string, string>;
  text(): Promise<string>;
  dump(): Promise<void>;
}

/** The primary limit lasts until `resetAt`; a secondary one asks for a wait. */
export type RateLimit = { kind: 'primary'; resetAt: Date | undefined } | { kind: 'secondary'; waitMs: number };

/**
 * `retry-after` says how long to wait; `x-ratelimit-remaining: 0` means the primary limit, until
 * `x-ratelimit-reset`; a 429, or a 403 that says "secondary rate limit", without either, means
 * wait at least a minute. Other 403s are permission errors and are left to the caller. The body
 * of a rate-limit answer is consumed here.
 */
export async function rateLimit(res: Answer): Promise<RateLimit | undefined> {
  if (res.status !== 403 && res.status !== 429) return undefined;
  const retryAfter = res.headers['retry-after'];
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    const waitMs = Number.isFinite(seconds) ? seconds * 1000 : Math.max(0, Date.parse(retryAfter) - Date.now());
    await res.dump();
    return { kind: 'secondary', waitMs: Number.isFinite(waitMs) ? waitMs : SECONDARY_LIMIT_WAIT_MS };
  }
  if (res.headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(res.headers['x-ratelimit-reset']);
    await res.dump();
    return { kind: 'primary', resetAt: Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined };
  }
  if (res.status === 429 || /secondary rate limit|abuse detection/i.test(await res.text().catch(() => ''))) {
    return { kind: 'secondary', waitMs: SECONDARY_LIMIT_WAIT_MS };
  }
  return undefined;
}

/** The note shown while we wait out a secondary limit before trying again. */
export function slowDownNotice(host: string, waitMs: number): string {
  return `${host} asked us to slow down; retrying in ${formatDuration(waitMs)} (a secondary rate limit).`;
}

/** A limit not waited for: when the primary one resets, or how long a secondary one asks for (a minute at least). */
export function rateLimitFailure(host: string, limit: RateLimit): AppError {
  const message =
    limit.kind === 'primary'
      ? `${host} rate limit reached; it resets at ${limit.resetAt?.toLocaleTimeString() ?? 'a later time'}. Try again then.`
      : `${host} asked us to slow down (a secondary rate limit): wait ${formatDuration(Math.max(limit.waitMs, SECONDARY_LIMIT_WAIT_MS))} or more, then try again`;
  return failure(message, { code: 'rate_limited' });
}
