// The pacer holds requests back while the last window's responses have taken the budget (GitHub:
// 90 s of server time per 60 s), on a clock the test moves.
import { describe, expect, it } from 'vitest';
import { responseTimePacer, type Pacer } from '../../src/http/response-time-budget.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function fakeClock(mostSleeps = Number.POSITIVE_INFINITY) {
  const clock = {
    t: 0,
    slept: [] as number[],
    now: () => clock.t,
    async sleep(ms: number, signal?: AbortSignal) {
      if (signal?.aborted) throw signal.reason;
      if (clock.slept.length >= mostSleeps) throw new Error(`more than ${mostSleeps} waits`);
      clock.slept.push(ms);
      clock.t += ms;
      await tick();
    },
  };
  return clock;
}

/** One request through the pacer whose response takes `ms` on the clock. */
async function respond(pacer: Pacer, clock: ReturnType<typeof fakeClock>, ms: number): Promise<void> {
  const done = await pacer.start();
  clock.t += ms;
  done();
}

describe('responseTimePacer', () => {
  it('lets requests start at once while the window has budget left', async () => {
    const clock = fakeClock();
    const pacer = responseTimePacer({ windowMs: 60_000, maxMs: 60_000 }, clock);
    for (let i = 0; i < 10; i++) await respond(pacer, clock, 500);
    expect(clock.slept).toEqual([]);
  });

  it('once the budget is spent, waits until responses leave the window, then spends no more than it', async () => {
    const clock = fakeClock();
    const pacer = responseTimePacer({ windowMs: 10_000, maxMs: 3_000 }, clock);
    const starts: number[] = [];
    for (let i = 0; i < 8; i++) {
      await respond(pacer, clock, 1_000); // each response takes a second
      starts.push(clock.t - 1_000);
    }
    // Three seconds of responses in any ten: the fourth waits until the first has left the window.
    expect(starts.slice(0, 3)).toEqual([0, 1_000, 2_000]);
    expect(starts[3]).toBeGreaterThanOrEqual(10_000);
    for (let i = 3; i < starts.length; i++) {
      const window = starts.filter((s) => s > starts[i]! - 10_000 && s <= starts[i]!);
      expect(window.length, `at ${starts[i]}`).toBeLessThanOrEqual(3);
    }
  });

  it('counts requests still on their way, at least as long as a typical response: pages started together cannot all slip through', async () => {
    const clock = fakeClock();
    const pacer = responseTimePacer({ windowMs: 60_000, maxMs: 2_000 }, clock);
    await respond(pacer, clock, 500);
    // Four more at the same moment: each counts 500 ms, so only three fit beside the first.
    const inFlight = [];
    for (let i = 0; i < 3; i++) inFlight.push(await pacer.start());
    expect(clock.slept).toEqual([]);
    const fifth = pacer.start();
    let started = false;
    void fifth.then(() => (started = true));
    // Time passing does not help while they are on their way: they only grow.
    for (let i = 0; i < 20; i++) await tick();
    expect(started).toBe(false);
    expect(clock.slept.length).toBeGreaterThan(5);
    // Finished, they count what they took, and there is room again.
    for (const done of inFlight) done();
    await fifth;
    expect(started).toBe(true);
  });

  it('counts a response that began before the window only for its part within it', async () => {
    // A took 2,000 ms from t=0. 10,500 ms later the window (10 s) starts at 500: A counts 1,500,
    // and B, on its way, 2,000 (a typical response): 3,500 of 3,600, so C may start. 200 ms
    // earlier A counts 1,700 and C has to wait.
    for (const [at, waits] of [[10_500, false], [10_300, true]] as const) {
      const clock = fakeClock();
      const pacer = responseTimePacer({ windowMs: 10_000, maxMs: 3_600 }, clock);
      await respond(pacer, clock, 2_000);
      clock.t = at;
      await pacer.start();
      expect(clock.slept).toEqual([]);
      await pacer.start();
      expect(clock.slept.length > 0).toBe(waits);
    }
  });

  it('decides as counting every response of the window one by one would, over random listings', async () => {
    let waits = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const random = mulberry32(seed);
      // At most 3 on their way, each counting at most the 10 s window: never the whole 31 s budget
      // by themselves, so a start never waits on a response that only the test could finish.
      const budget = { windowMs: 10_000, maxMs: 31_000 };
      // A start that waits on and on (the pacer counting a response on its way as if it would never
      // end) fails the test at once instead of timing it out.
      const fastClock = fakeClock(5_000);
      const plainClock = fakeClock(5_000);
      const fast = responseTimePacer(budget, fastClock);
      const plain = plainPacer(budget, plainClock);
      const fastDone: (() => void)[] = [];
      const plainDone: (() => void)[] = [];
      for (let op = 0; op < 200; op++) {
        const r = random();
        if (r < 0.5 && fastDone.length < 3) {
          fastDone.push(await fast.start());
          plainDone.push(await plain.start());
        } else if (r < 0.7 && fastDone.length > 0) {
          const k = Math.floor(random() * fastDone.length);
          fastDone.splice(k, 1)[0]!();
          plainDone.splice(k, 1)[0]!();
        } else {
          const ms = Math.floor(random() * 5_000);
          fastClock.t += ms;
          plainClock.t += ms;
        }
        expect(fastClock.t).toBeCloseTo(plainClock.t, 6);
      }
      expect(fastClock.slept.length).toBe(plainClock.slept.length);
      waits += fastClock.slept.length;
    }
    // The listings did run into the budget, and often (115 waits over the 20).
    expect(waits).toBeGreaterThan(50);
  });

  it('gives up waiting when the listing is cancelled', async () => {
    const clock = fakeClock();
    const pacer = responseTimePacer({ windowMs: 60_000, maxMs: 1_000 }, clock);
    await respond(pacer, clock, 1_500);
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(pacer.start(controller.signal)).rejects.toThrow('cancelled');
  });
});

/**
 * The pacer's rule written the plain way, every response ever started looked at on each call (as
 * the pacer itself did until it kept a running sum): the reference the pacer must agree with.
 */
function plainPacer(budget: { windowMs: number; maxMs: number }, clock: ReturnType<typeof fakeClock>): Pacer {
  const spent: { start: number; end?: number }[] = [];
  let completed = 0;
  let completedMs = 0;
  const used = (now: number) => {
    const from = now - budget.windowMs;
    let typical = completed ? completedMs / completed : 0;
    if (!completed) for (const s of spent) typical = Math.max(typical, now - s.start);
    let total = 0;
    for (const s of spent) {
      const end = s.end ?? Math.max(now, s.start + typical);
      total += Math.max(0, Math.min(end, now + budget.windowMs) - Math.max(s.start, from));
    }
    return total;
  };
  return {
    async start(signal) {
      for (let over = used(clock.now()) - budget.maxMs; over >= 0; over = used(clock.now()) - budget.maxMs) {
        await clock.sleep(Math.min(1_000, Math.max(50, over)), signal);
      }
      const entry: { start: number; end?: number } = { start: clock.now() };
      spent.push(entry);
      return () => {
        if (entry.end !== undefined) return;
        entry.end = clock.now();
        completed += 1;
        completedMs += entry.end - entry.start;
      };
    },
  };
}

/** A small seeded random number generator (mulberry32): the same listings on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
