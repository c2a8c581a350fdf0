import { ApplicationFailure } from '@temporalio/activity';
import { ConfigError } from '../config/env';
import { XApiError, XRateLimitError } from '../x/errors';

/** Failure type names, for the workflow's status and for tests. */
export const RATE_LIMITED = 'RateLimited';
export const X_REFUSED = 'XRefused';

/** Shortest retry delay after a rate limit whose reset time is already past (clock skew with X). */
const MIN_RATE_LIMIT_DELAY_MS = 1_000;

/**
 * Maps an error from the outside world to what Temporal should do with it: an X rate limit retries exactly at the
 * reset time, a configuration or credential problem stops retrying (retrying cannot fix it), anything else
 * (network, 5xx, disk) is retried by the activity's retry policy.
 */
export function toActivityFailure(error: unknown, nowMs: number): unknown {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof XRateLimitError) {
    return ApplicationFailure.create({
      type: RATE_LIMITED,
      message: error.message,
      nextRetryDelay: Math.max(error.resetAtMs - nowMs, MIN_RATE_LIMIT_DELAY_MS),
    });
  }
  if (error instanceof XApiError && !error.retryable) {
    return ApplicationFailure.create({ type: X_REFUSED, message: error.message, nonRetryable: true });
  }
  if (error instanceof ConfigError) {
    return ApplicationFailure.create({ type: error.name, message: error.message, nonRetryable: true });
  }
  return error;
}
