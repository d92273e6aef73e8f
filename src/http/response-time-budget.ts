// Pacing requests by the server time they cost. GitHub's secondary rate limits allow "no more than
// 90 seconds of CPU time per 60 seconds of real time", which "you can roughly estimate … by
// measuring the total response time for your API requests"
// (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits).
// A listing with pages in flight at once spends that quickly: 24 pages of ~0.5 s each cost 24 s of
// it every second, and 90 s is 180 such pages, so a listing of more than ~18,000 repositories read
// within a minute would meet the limit, and then wait a minute. A pacer holds each new request
// back while the requests of the last window have taken their budget, counting the ones still on
// their way by how long they have taken so far.
import { setTimeout as delay } from 'node:timers/promises';

export interface ResponseTimeBudget {
  /** The window the budget is counted over. */
  windowMs: number;
  /** The most response time (summed over requests) to spend in any window. */
  maxMs: number;
}

interface Spent {
  start: number;
  /** Unset while the response is still coming. */
  end?: number;
}

/** The shortest and longest waits between looks at the budget (a pacer never spins, nor oversleeps). */
const MIN_WAIT_MS = 50;
const MAX_WAIT_MS = 1_000;

export interface Pacer {
  /** Resolves once a request may start; call the function it gives when its response has been read. */
  start(signal?: AbortSignal): Promise<() => void>;
}

export function responseTimePacer(budget: ResponseTimeBudget, clock: { now(): number; sleep(ms: number, signal?: AbortSignal): Promise<void> } = realClock): Pacer {
  // Finished responses in the order they ended (so the window drops them from the front), with
  // their summed time; the ones on their way are at most the listing's concurrency. A look at the
  // budget then costs the pages in flight, not every page of the window: a long listing looks
  // before each of its pages.
  const finished: Required<Spent>[] = [];
  let finishedMs = 0;
  let longestMs = 0;
  const running = new Set<Spent>();
  let completed = 0;
  let completedMs = 0;
  /**
   * Response time spent within the window that ends now. A request still on its way counts at
   * least as long as a typical one (the average completed one; before any, the longest still on
   * its way): pages started together would otherwise each see the others at ~0 and all start,
   * however little budget is left.
   */
  const used = (now: number) => {
    const from = now - budget.windowMs;
    while (finished.length && finished[0]!.end <= from) finishedMs -= duration(finished.shift()!);
    let total = finishedMs;
    // A response that began before the window counts only its part within it. Only one that ended
    // less than the longest response time after the window's start can have begun before it.
    for (const s of finished) {
      if (s.end > from + longestMs) break;
      if (s.start < from) total -= from - s.start;
    }
    let typical = completed ? completedMs / completed : 0;
    if (!completed) for (const s of running) typical = Math.max(typical, now - s.start);
    for (const s of running) {
      const end = Math.max(now, s.start + typical);
      total += Math.max(0, Math.min(end, now + budget.windowMs) - Math.max(s.start, from));
    }
    return total;
  };
  return {
    async start(signal) {
      for (let over = used(clock.now()) - budget.maxMs; over >= 0; over = used(clock.now()) - budget.maxMs) {
        // The budget frees up as the window moves past older responses (and fills while requests
        // are still on their way): look again after about the excess, and at least once a second.
        await clock.sleep(Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, over)), signal);
      }
      const entry: Spent = { start: clock.now() };
      running.add(entry);
      return () => {
        if (entry.end !== undefined) return;
        entry.end = clock.now();
        running.delete(entry);
        const took = duration(entry as Required<Spent>);
        finished.push(entry as Required<Spent>);
        finishedMs += took;
        longestMs = Math.max(longestMs, took);
        completed += 1;
        completedMs += took;
      };
    },
  };
}

const duration = (s: Required<Spent>) => s.end - s.start;

const realClock = {
  now: () => performance.now(),
  sleep: (ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : undefined),
};
