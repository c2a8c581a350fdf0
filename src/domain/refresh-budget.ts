/**
 * How many lookup requests (and billed post reads) one refresh tick may spend: X's rate-limit window spread over
 * the ticks left in it, bounded by the user's own caps. Pure and deterministic: workflow code calls it.
 */

/** X's lookup limits apply per fixed 15-minute window. */
export const RATE_WINDOW_MS = 15 * 60_000;
/** Lookups per 15 minutes on X's Basic plan, the smallest: assumed until X's headers say more. */
export const UNKNOWN_LIMIT = 15;
/** Pay-per-use bills a post once per UTC day. */
export const UTC_DAY_MS = 24 * 3_600_000;

/** X's last rate-limit headers; undefined before the first lookup. */
export interface XBudgetState {
  limit: number;
  remaining: number;
  resetMs: number;
  observedAtMs: number;
}

/** What the tracking workflow has already spent (it keeps these across ticks). */
export interface PlannerUsage {
  /** Our own count of lookup requests in the user cap's 15-minute window, which starts at `windowStartMs`. */
  requestsThisWindow: number;
  windowStartMs: number;
  /** Billed post reads in the UTC day starting at `utcDayStartMs`. */
  postReadsToday: number;
  utcDayStartMs: number;
}

/** The caps that bound a tick, besides X's own. */
export interface BudgetCaps {
  tickMs: number;
  maxRequestsPer15Min?: number;
  maxPostReadsPerDay?: number;
}

/** The budget of one tick, and a forecast of the next ones (for the staleness bound). */
export interface TickBudget {
  /** Requests this tick; Infinity when nothing bounds it (X's limit unknown and no user cap). */
  requests: number;
  /** Billed post reads this tick (tweets already read today are free); Infinity without a daily cap. */
  reads: number;
  /** Requests expected to be available `ticksAhead` (>= 1) ticks from now, if this tick spends its budget. */
  futureRequests(ticksAhead: number): number;
}

/** A fixed window: `left` units to spread evenly over the ticks before `endMs`. */
interface Window {
  left: number;
  endMs: number;
  /** What a fresh window holds, once this one ends. */
  full: number;
  lengthMs: number;
}

function ticksUntil(endMs: number, nowMs: number, tickMs: number): number {
  return Math.max(1, Math.ceil((endMs - nowMs) / tickMs));
}

/** Spread per tick: floor, so the last tick of a window still finds what X counted as left. */
function spread(window: Window, nowMs: number, tickMs: number): number {
  return Math.max(0, Math.floor(window.left / ticksUntil(window.endMs, nowMs, tickMs)));
}

function forecast(window: Window, nowMs: number, tickMs: number, ticksAhead: number): number {
  const at = nowMs + ticksAhead * tickMs;
  if (at < window.endMs) return spread(window, nowMs, tickMs);
  return Math.floor(window.full / Math.max(1, Math.round(window.lengthMs / tickMs)));
}

/** X's window as of `nowMs`: past its reset, a fresh window of `limit` requests starts with our next request. */
function xWindow(budget: XBudgetState, nowMs: number): Window {
  if (nowMs >= budget.resetMs)
    return { left: budget.limit, endMs: nowMs + RATE_WINDOW_MS, full: budget.limit, lengthMs: RATE_WINDOW_MS };
  return { left: budget.remaining, endMs: budget.resetMs, full: budget.limit, lengthMs: RATE_WINDOW_MS };
}

function userWindow(cap: number, usage: PlannerUsage, nowMs: number): Window {
  if (nowMs >= usage.windowStartMs + RATE_WINDOW_MS)
    return { left: cap, endMs: nowMs + RATE_WINDOW_MS, full: cap, lengthMs: RATE_WINDOW_MS };
  return {
    left: cap - usage.requestsThisWindow,
    endMs: usage.windowStartMs + RATE_WINDOW_MS,
    full: cap,
    lengthMs: RATE_WINDOW_MS,
  };
}

/** Billed reads allowed this tick: what is left of today's cap, spread over the rest of the UTC day. */
function readsThisTick(cap: number, usage: PlannerUsage, nowMs: number, tickMs: number): number {
  const dayStart = Math.floor(nowMs / UTC_DAY_MS) * UTC_DAY_MS;
  const used = usage.utcDayStartMs === dayStart ? usage.postReadsToday : 0;
  const left = Math.max(0, cap - used);
  // ceil, unlike requests: a small daily cap (fewer reads than ticks in a day) would otherwise read nothing for
  // hours; ceil(left / ticks) never spends more than `left`, so the day's total stays within the cap.
  return Math.ceil(left / ticksUntil(dayStart + UTC_DAY_MS, nowMs, tickMs));
}

/** The budget of the tick at `nowMs`. */
export function tickBudget(
  budget: XBudgetState | undefined,
  usage: PlannerUsage,
  nowMs: number,
  caps: BudgetCaps,
): TickBudget {
  const { tickMs } = caps;
  // A 429 without rate-limit headers leaves no limit to expect after its reset: as unknown as before any lookup.
  const known = budget && (nowMs < budget.resetMs || budget.limit > 0) ? budget : undefined;
  const windows: Window[] = [];
  if (known) windows.push(xWindow(known, nowMs));
  // X's limit unknown (no lookup answered yet): Basic's window, the smallest plan's, for this tick only. The
  // first answer brings the real headers, so the forecast assumes nothing and reports nothing overdue for it.
  const firstTick = known
    ? []
    : [{ left: UNKNOWN_LIMIT, endMs: nowMs + RATE_WINDOW_MS, full: UNKNOWN_LIMIT, lengthMs: RATE_WINDOW_MS }];
  if (caps.maxRequestsPer15Min !== undefined) windows.push(userWindow(caps.maxRequestsPer15Min, usage, nowMs));
  // At least one request while the limit is unknown, whatever the tick length: only an answer can make it known.
  const requests = Math.min(
    Infinity,
    ...windows.map((w) => spread(w, nowMs, tickMs)),
    ...firstTick.map((w) => Math.max(1, spread(w, nowMs, tickMs))),
  );
  const reads =
    caps.maxPostReadsPerDay === undefined ? Infinity : readsThisTick(caps.maxPostReadsPerDay, usage, nowMs, tickMs);
  return {
    requests,
    reads,
    futureRequests: (ticksAhead) => Math.min(Infinity, ...windows.map((w) => forecast(w, nowMs, tickMs, ticksAhead))),
  };
}
