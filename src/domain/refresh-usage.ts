/**
 * Bookkeeping of what the refresh ticks spent, in the windows the planner's caps use: our own 15-minute request
 * window and the UTC day of billed post reads. Pure: the tracking workflow keeps the record.
 */
import { type PlannerUsage, RATE_WINDOW_MS, UTC_DAY_MS } from './refresh-budget';

/** A post is billed once per UTC day: a lookup costs a read only if the tweet was not read yet today. */
export function isBilledRead(lastLookupMs: number | undefined, nowMs: number): boolean {
  return lastLookupMs === undefined || lastLookupMs < Math.floor(nowMs / UTC_DAY_MS) * UTC_DAY_MS;
}

/** The usage after a tick at `nowMs` made `requests` lookup requests that read `billedReads` billed posts. */
export function recordUsage(usage: PlannerUsage, nowMs: number, requests: number, billedReads: number): PlannerUsage {
  const windowOpen = nowMs < usage.windowStartMs + RATE_WINDOW_MS;
  const dayStartMs = Math.floor(nowMs / UTC_DAY_MS) * UTC_DAY_MS;
  const sameDay = usage.utcDayStartMs === dayStartMs;
  return {
    requestsThisWindow: (windowOpen ? usage.requestsThisWindow : 0) + requests,
    // A window opens with the first request after the last one ended, as X's do.
    windowStartMs: windowOpen || requests === 0 ? usage.windowStartMs : nowMs,
    postReadsToday: (sameDay ? usage.postReadsToday : 0) + billedReads,
    utcDayStartMs: dayStartMs,
  };
}
