/**
 * The refresh planner: which tracked tweets to look up on X this tick. Pure and deterministic (the tracking
 * workflow calls it every tick): no clock, no I/O, O(n log n) in the tracked tweets.
 *
 * Policy
 * - Budget per tick. X's lookup limit is a fixed 15-minute window; what its last headers say is left is spread
 *   evenly over the ticks until its reset, `floor(remaining / ticksLeft)`, and after the reset a full window of
 *   `limit` is assumed. The user's caps bound it the same way: `maxRequestsPer15Min` spread over our own 15-minute
 *   window, `maxPostReadsPerDay` spread over the rest of the UTC day, where a tweet already read today costs
 *   nothing (X bills a post once per UTC day).
 * - Before the first lookup X's limit is unknown: the tick assumes Basic's 15 requests spread over a window, one
 *   request of the highest-priority tweets. The first answer's headers give the real budget from the next tick
 *   on, so on the larger plans this costs one tick of coverage. Planning "everything" instead was measured
 *   (npm run bench:refresh) and lost on Basic: the activity's parallel requests got several 429s, and the
 *   first window's budget went on one tick, leaving tweets staler than the bound for most of the first half hour.
 * - While the budget covers every tracked tweet every tick, every tweet is looked up every tick.
 * - Otherwise, in this order:
 *   1. tweets due now to keep the staleness bound: earliest deadline first (never looked up counts as due now),
 *      and only as many as the forecast budget of the next ticks cannot absorb: if the deadlines within k ticks
 *      outnumber k ticks' budget, the excess is looked up now. Earliest-deadline-first meets every deadline any
 *      schedule could, so the bound holds whenever the budget allows it; `overdue` counts the tweets it cannot.
 *   2. the rest by the value of a lookup (refresh-priority.ts): the expected change since the last lookup
 *      (a rate from the count over the tweet's age, cut down by a long silence of the count, times the time
 *      since the last lookup), weighted once more by that time, so each tweet is looked up about every
 *      1 / sqrt(rate): the square-root rule, which minimises the mean error for a given number of lookups
 *      (measured against ranking by the expected change alone: mean error within 25% either way, max error 2 to 7
 *      times lower).
 *      Young and moving tweets come often, quiet and old ones less; lookups fill whole requests of
 *      `idsPerRequest` ids.
 *   Staleness is counted in whole ticks, so an answer that arrives seconds after its tick does not push a tweet
 *   past the bound by one tick.
 * - Horizon: a tweet older than `horizonMs` gets one last lookup after it (planned like any other, within the
 *   staleness bound), then is listed in `retire`.
 * - Ties break by tweet id, so the same inputs always give the same plan.
 */
import { type PlannerUsage, tickBudget, type XBudgetState } from './refresh-budget';
import { refreshValue } from './refresh-priority';
import { isBilledRead } from './refresh-usage';
import { compareIds } from './tweet-id';

export type { PlannerUsage, XBudgetState } from './refresh-budget';

/** A tracked tweet as the planner sees it. */
export interface PlannerTweet {
  /** Tweet id (snowflake). */
  id: string;
  /** When the tweet was posted (from the snowflake id or created_at). */
  postedMs: number;
  /** Last known retweet count. */
  count: number;
  /** When X last answered for it (undefined: never looked up). */
  lastLookupMs?: number;
  /** When its count last moved, by a lookup or the stream (undefined: never since it was posted). */
  lastChangeMs?: number;
}

/** The planner's knobs. */
export interface PlannerSettings {
  /** 60_000 by default. */
  tickMs: number;
  /** Every tweet is looked up at least this often, budget allowing (default 15 min). */
  stalenessBoundMs: number;
  /** This long after posting, a last lookup, then the tweet retires (default 7 days). */
  horizonMs: number;
  /** Optional user cap on lookup requests per 15 minutes. */
  maxRequestsPer15Min?: number;
  /** Optional user cap on billed post reads per UTC day (re-reads the same UTC day are free). */
  maxPostReadsPerDay?: number;
  /** Ids per lookup request: 100 on X. */
  idsPerRequest: number;
}

/** What to do this tick. */
export interface RefreshPlan {
  /** Ids to look up this tick, highest priority first (the activity stops at a 429, so order matters). */
  lookup: string[];
  /** ceil(lookup.length / idsPerRequest). */
  requests: number;
  /** Past the horizon and looked up after it: leave the minute files. */
  retire: string[];
  /** Tracked tweets already staler than the bound, or that will be, because the budget cannot cover them. */
  overdue: number;
  /** The request budget this tick was planned within (for status and the sidecar). */
  budgetRequests: number;
}

/** The default settings (the tracking workflow's). */
export const DEFAULT_PLANNER_SETTINGS: PlannerSettings = {
  tickMs: 60_000,
  stalenessBoundMs: 15 * 60_000,
  horizonMs: 7 * 24 * 3_600_000,
  idsPerRequest: 100,
};

/** A usage record with nothing spent yet. */
export const NO_USAGE: PlannerUsage = { requestsThisWindow: 0, windowStartMs: 0, postReadsToday: 0, utcDayStartMs: 0 };

interface Candidate {
  id: string;
  /** Ticks from now by which it must be looked up to keep the staleness bound (0: now). */
  slot: number;
  neverLooked: boolean;
  score: number;
  /** Costs a billed read (not read yet this UTC day). */
  billed: boolean;
}

function byDeadline(a: Candidate, b: Candidate): number {
  return (
    a.slot - b.slot || Number(b.neverLooked) - Number(a.neverLooked) || b.score - a.score || compareIds(a.id, b.id)
  );
}

function byScore(a: Candidate, b: Candidate): number {
  return b.score - a.score || compareIds(a.id, b.id);
}

/**
 * How many of the earliest-deadline tweets must be looked up now: the largest excess of deadlines within k ticks
 * over what ticks 1..k are forecast to look up.
 */
function mustNow(sortedByDeadline: readonly Candidate[], perTickAhead: (ticksAhead: number) => number): number {
  let must = 0;
  let capacityAhead = 0;
  let tick = 0;
  for (let i = 0; i < sortedByDeadline.length; i++) {
    const slot = sortedByDeadline[i].slot;
    while (tick < slot && capacityAhead < Infinity) capacityAhead += perTickAhead(++tick);
    if (capacityAhead === Infinity) break;
    // Count the deadline group ending at this slot once, at its last member.
    if (i + 1 < sortedByDeadline.length && sortedByDeadline[i + 1].slot === slot) continue;
    must = Math.max(must, i + 1 - capacityAhead);
  }
  return must;
}

/** Plans the lookups of the tick at `nowMs`. */
export function planRefresh(
  tweets: readonly PlannerTweet[],
  nowMs: number,
  budget: XBudgetState | undefined,
  usage: PlannerUsage,
  settings: PlannerSettings,
): RefreshPlan {
  const { tickMs, stalenessBoundMs, horizonMs, idsPerRequest } = settings;
  const retire: string[] = [];
  const candidates: Candidate[] = [];
  const maxSlot = Math.ceil(stalenessBoundMs / tickMs);
  for (const t of tweets) {
    const horizonEnd = t.postedMs + horizonMs;
    if (nowMs >= horizonEnd && t.lastLookupMs !== undefined && t.lastLookupMs >= horizonEnd) {
      retire.push(t.id);
      continue;
    }
    const neverLooked = t.lastLookupMs === undefined;
    // Clamped: a lookup time ahead of `nowMs` (a clock step back) must not stretch the deadline scan.
    const slot = neverLooked
      ? 0
      : Math.min(maxSlot, Math.max(0, Math.round(((t.lastLookupMs as number) + stalenessBoundMs - nowMs) / tickMs)));
    candidates.push({
      id: t.id,
      slot,
      neverLooked,
      score: refreshValue(t, nowMs, tickMs),
      billed: isBilledRead(t.lastLookupMs, nowMs),
    });
  }
  retire.sort(compareIds);

  const tick = tickBudget(budget, usage, nowMs, settings);
  const capacity = Math.min(candidates.length, tick.requests * idsPerRequest);
  const edf = [...candidates].sort(byDeadline);
  const must = mustNow(edf, (ahead) => tick.futureRequests(ahead) * idsPerRequest);
  const mandatory = edf.slice(0, Math.min(must, capacity));
  const mandatoryIds = new Set(mandatory.map((c) => c.id));
  const rest = candidates.filter((c) => !mandatoryIds.has(c.id)).sort(byScore);

  const lookup: string[] = [];
  let readsLeft = tick.reads;
  let mandatoryTaken = 0;
  for (const c of [...mandatory, ...rest]) {
    if (lookup.length >= capacity) break;
    if (c.billed) {
      if (readsLeft <= 0) continue;
      readsLeft--;
    }
    lookup.push(c.id);
    if (mandatoryIds.has(c.id)) mandatoryTaken++;
  }
  const requests = Math.ceil(lookup.length / idsPerRequest);
  return {
    lookup,
    requests,
    retire,
    overdue: Math.max(0, must - mandatoryTaken),
    budgetRequests: tick.requests,
  };
}
