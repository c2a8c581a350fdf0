/** Exponential backoff with jitter (and, re-exported, the sleep that an abort ends early). */
import type { RetryPolicy } from './signal-batcher';

export { abortableSleep } from '../shared/abortable-sleep';

/** Delay before retry `attempt` (0-based): doubling from `initialMs` up to `maxMs`, with ±20 % jitter. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30)) * (0.8 + 0.4 * Math.random());
}
