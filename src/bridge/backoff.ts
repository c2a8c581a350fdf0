/** Exponential backoff with jitter, and a sleep that an abort ends early. */
import type { RetryPolicy } from './signal-batcher';

/** Delay before retry `attempt` (0-based): doubling from `initialMs` up to `maxMs`, with ±20 % jitter. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30)) * (0.8 + 0.4 * Math.random());
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
