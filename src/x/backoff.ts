import { ApiResponseError } from 'twitter-api-v2';

/** X's published reconnect rules for the filtered stream, in milliseconds. */
export const X_BACKOFF = {
  networkStepMs: 250,
  networkMaxMs: 16_000,
  httpStartMs: 5_000,
  httpMaxMs: 320_000,
  rateLimitStartMs: 60_000,
  // X states no ceiling for 429; 16 minutes covers a whole 15-minute rate window, so doubling further only adds delay.
  rateLimitMaxMs: 960_000,
} as const;

/**
 * Delay before reconnect attempt `attempt` (1-based; the first reconnect after a drop is immediate and never asks):
 * linear +250 ms up to 16 s for network errors, exponential from 5 s up to 320 s for HTTP errors, and from
 * 1 minute doubling for HTTP 429.
 */
export function xReconnectDelayMs(attempt: number, error: unknown): number {
  const n = Math.max(1, Math.floor(attempt));
  if (error instanceof ApiResponseError) {
    if (error.code === 429) return Math.min(X_BACKOFF.rateLimitStartMs * 2 ** (n - 1), X_BACKOFF.rateLimitMaxMs);
    return Math.min(X_BACKOFF.httpStartMs * 2 ** (n - 1), X_BACKOFF.httpMaxMs);
  }
  return Math.min(X_BACKOFF.networkStepMs * n, X_BACKOFF.networkMaxMs);
}
