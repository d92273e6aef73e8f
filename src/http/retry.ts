// Waiting before another try: the backoff after a dropped connection or a 5xx, and the sleep
// that Ctrl-C ends at once.
import { interrupted } from '../errors.js';

/** 250 ms, 500 ms, 1 s… after each failed try, with up to 100 ms of jitter so clients retrying together spread out. */
export function backoffMs(attempt: number): number {
  return 250 * 2 ** (attempt - 1) + Math.floor(Math.random() * 100);
}

/** Resolves after `ms`; rejects as interrupted as soon as `signal` aborts. */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(interrupted());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(interrupted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
