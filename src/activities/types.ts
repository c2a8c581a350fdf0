/** Inputs and outputs of the tracking activities; the workflow imports these as types only. */
import type { LookupReport } from '../x/lookup-pool';

export type { RateLimitState } from '../x/types';

/** One tick's refresh: every tweet of the file with its current count, the ones to look up first. */
export interface RefreshInput {
  /** The tick boundary this file stands for; names the file, so a retry rewrites the same one. */
  tickMs: number;
  /**
   * `id:count,...` for every tweet of the file (see src/domain/compact-counts.ts). The first `lookupCount` entries,
   * highest priority first, are to be looked up on X; the others carry their last known count.
   */
  counts: string;
  lookupCount: number;
  /** `id:count` of the previous file, only for tweets whose count moved since (stream counts): for the changelog. */
  previous: string;
  /** Requests this tick may send (the planner's share of X's budget). */
  maxRequests: number;
  /** No lookup starts after this epoch ms: the file must be written within its tick. */
  deadlineMs: number;
  /** Lines of the `Time:` block to return for printing, like Spark's pprint. */
  printLines: number;
  /** What the plan decided, written to the sidecar beside the file. */
  plan: PlanFacts;
  /** Earlier ticks' changelog rows Kafka never confirmed: published again (same minutes) before this tick's. */
  unpublished?: UnpublishedCounts[];
}

/**
 * One tick's changelog rows that Kafka had not confirmed by the activity's deadline, `id:count:delta:author,...`.
 * The workflow holds them (its history survives a worker's death, the worker's send queue does not) and hands them
 * to the next tick; consumers deduplicate by tweet and minute, so a second publication is harmless.
 */
export interface UnpublishedCounts {
  tickMs: number;
  rows: string;
}

/**
 * The same input as a 0.2.0 workflow schedules it, with the tick named `minuteMs`. Workflows still running that code
 * schedule it until their next Continue-As-New, so activities read both. Remove after 0.3.x.
 */
export type RefreshInputOf020 = Omit<RefreshInput, 'tickMs'> & { minuteMs: number };

/** The planner's side of the sidecar `counts-<minute>.meta.json`. */
export interface PlanFacts {
  budgetRequests: number;
  /** Tracked tweets already staler than the bound, or about to be, that the budget cannot cover. */
  overdue: number;
  /** Minutes since each tweet's last answered lookup, before this tick: p50, p90, max (-1: never looked up). */
  staleMinutes: { p50: number; p90: number; max: number };
}

/** What X's answers to a tick's lookups cost and say, as the lookup pool reports them (see `LookupReport`). */
type LookupFacts = Pick<
  LookupReport,
  'requests' | 'refused' | 'rateLimit' | 'refusedUntilMs' | 'stoppedBy' | 'lastError'
>;

export interface RefreshResult extends LookupFacts {
  /** `id:count,...` for looked-up tweets whose X count differs from the input: keeps the history small. */
  changed: string;
  /** Comma-separated ids of the lookup list that got no answer (429, deadline, errors): they keep their count. */
  notLookedUp: string;
  /** Ids X reported as deleted, not found or not authorized in this lookup. */
  gone: string[];
  /** Ids X refuses as malformed (400): never looked up again. */
  invalid: string[];
  /** The `Time:` block; the workflow prints it once, after the activity succeeded. */
  printed: string;
  /** This tick's and earlier ticks' changelog rows Kafka has not confirmed yet (absent: all confirmed). */
  unpublished?: UnpublishedCounts[];
}

/** The top-5 enrichment: ranked candidates (more than needed, so a gone one is replaced by the next). */
export interface EnrichInput {
  /** The tick boundary the report belongs to; names the report files. */
  atMs: number;
  /** `id:count,...` in rank order. */
  candidates: string;
  topSize: number;
}

/** One line of a top-5 report. */
export interface ReportEntry {
  rank: number;
  tweetId: string;
  retweets: number;
  authorId: string;
  screenName: string;
  text: string;
}

export interface EnrichResult {
  entries: ReportEntry[];
  /** Candidates X reported gone: the workflow flags them. */
  gone: string[];
  /** Base name of the written files (`top5-<ms>`), `.txt` and `.json`. */
  fileBase: string;
  /** The report as printed; the workflow prints it once. */
  printed: string;
}
