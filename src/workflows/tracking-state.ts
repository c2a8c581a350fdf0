import type { EnrichInput, EnrichResult, RefreshInput, RefreshResult } from '../activities/types';
import { encodeCounts } from '../domain/compact-counts';
import { validateObservedTweet } from '../domain/observed-tweet';
import type { CarriedState, LastReport, LeaderboardEntry, TrackingCounters, TrackingStatus } from './definitions';
import type { TrackingOptions } from './options';
import { TrackedTweets } from './tracked-tweets';

/** Extra report candidates beyond the top size, so tweets found gone at report time are replaced by the next. */
const REPORT_SPARES = 10;
/** X's lookup takes 100 ids per request: the report's single lookup stays one request. */
const MAX_CANDIDATES = 100;

/** The run-facts the status query reports; read from workflowInfo() by the workflow. */
export interface RunFacts {
  historyLength: number;
  historySize: number;
  continueAsNewSuggested: boolean;
}

/**
 * Everything the RetweetTracking workflow knows, in one plain class: the handlers and the main loop call its
 * methods, and `carry()` hands it to the next run. No Temporal APIs here, so it is easy to reason about.
 */
export class TrackingState {
  private readonly followed: Set<string>;
  private readonly tweets: TrackedTweets;
  private tickNumber = 0;
  private lastTickMs?: number;
  private nextReportTick: number;
  private runNumber = 1;
  private lastReport?: LastReport;
  private lastError?: string;
  private signalsThisRun = 0;
  /** Payload bytes this run added to the history, counted here because not every server reports the size. */
  private payloadBytesThisRun = 0;
  private readonly counters: TrackingCounters = {
    droppedItems: 0, ignoredItems: 0, retweetsSeen: 0, evictedTweets: 0, missedTicks: 0,
    failedTicks: 0, reportsWritten: 0, failedReports: 0, signalsReceived: 0,
  };

  constructor(private readonly options: TrackingOptions, carried?: CarriedState) {
    this.followed = new Set(options.followedUserIds);
    this.nextReportTick = options.reportEveryTicks;
    this.tweets = new TrackedTweets(options.maxTrackedTweets, carried);
    if (!carried) return;
    this.tickNumber = carried.tickNumber;
    this.lastTickMs = carried.lastTickMs;
    this.nextReportTick = carried.nextReportTick;
    this.runNumber = carried.runNumber + 1;
    this.lastReport = carried.lastReport;
    Object.assign(this.counters, carried.counters);
  }

  // --- Signals -------------------------------------------------------------------------------------------------

  /** Applies one `tweetsObserved` batch. Never throws: a throwing handler would fail the workflow task. */
  observe(batch: unknown): void {
    this.signalsThisRun += 1;
    this.counters.signalsReceived += 1;
    this.payloadBytesThisRun += approxJsonBytes(batch);
    if (!Array.isArray(batch)) {
      this.counters.droppedItems += 1;
      return;
    }
    for (const item of batch) {
      const checked = validateObservedTweet(item);
      if (!checked.ok) {
        this.counters.droppedItems += 1;
        continue;
      }
      const { id, authorId, retweetedOf } = checked.value;
      if (retweetedOf) {
        // A retweet's count is its original's count: track the original if a followed user wrote it.
        if (this.followed.has(retweetedOf.authorId)) {
          this.counters.retweetsSeen += 1;
          this.track(retweetedOf.id);
        } else this.counters.ignoredItems += 1;
      } else if (this.followed.has(authorId)) this.track(id);
      else this.counters.ignoredItems += 1;
    }
  }

  private track(id: string): void {
    if (this.tweets.track(id)) this.counters.evictedTweets += 1;
  }

  // --- Ticks ---------------------------------------------------------------------------------------------------

  /** The boundary the next tick is due at: aligned to tick-length boundaries of workflow time. */
  nextTickMs(nowMs: number): number {
    const { tickMs } = this.options;
    return this.lastTickMs === undefined ? Math.floor(nowMs / tickMs) * tickMs + tickMs : this.lastTickMs + tickMs;
  }

  /** Starts the tick for the current boundary; boundaries that passed unserved count as missed, not replayed. */
  beginTick(nowMs: number): number {
    const { tickMs } = this.options;
    const boundary = Math.floor(nowMs / tickMs) * tickMs;
    const minuteMs = this.lastTickMs === undefined ? boundary : Math.max(boundary, this.lastTickMs + tickMs);
    const missed = this.lastTickMs === undefined ? 0 : (minuteMs - this.lastTickMs) / tickMs - 1;
    this.counters.missedTicks += missed;
    this.tickNumber += 1 + missed;
    this.lastTickMs = minuteMs;
    return minuteMs;
  }

  refreshInput(minuteMs: number): RefreshInput {
    const input = { minuteMs, ...this.tweets.encode(), printLines: this.options.printLines };
    this.payloadBytesThisRun += input.counts.length + input.gone.length;
    return input;
  }

  applyRefresh(result: RefreshResult): void {
    this.payloadBytesThisRun += result.changed.length + approxJsonBytes(result.gone);
    this.tweets.applyCounts(result.changed);
    this.tweets.markGone(result.gone);
  }

  recordTickFailure(error: unknown): void {
    this.counters.failedTicks += 1;
    this.lastError = describe(error);
  }

  // --- Reports -------------------------------------------------------------------------------------------------

  /** True once the tick counter reaches the next report tick (also after missed ticks skipped past it). */
  reportDue(): boolean {
    return this.tickNumber >= this.nextReportTick;
  }

  enrichInput(atMs: number): EnrichInput {
    const size = Math.min(this.options.topSize + REPORT_SPARES, MAX_CANDIDATES);
    const candidates = this.tweets.ranked(size).map(({ tweetId, retweets }) => [tweetId, retweets] as const);
    const input = { atMs, candidates: encodeCounts(candidates), topSize: this.options.topSize };
    this.payloadBytesThisRun += input.candidates.length;
    return input;
  }

  /** Called when the report starts: the next one is due on the next multiple of the report period. */
  reportStarted(): void {
    const every = this.options.reportEveryTicks;
    this.nextReportTick = (Math.floor(this.tickNumber / every) + 1) * every;
  }

  applyReport(result: EnrichResult, atMs: number): void {
    this.payloadBytesThisRun += approxJsonBytes(result);
    this.tweets.markGone(result.gone);
    this.counters.reportsWritten += 1;
    this.lastReport = { atMs, fileBase: result.fileBase, entries: result.entries };
  }

  recordReportFailure(error: unknown): void {
    this.counters.failedReports += 1;
    this.lastError = describe(error);
    // Late rather than lost: try again on the next tick.
    this.nextReportTick = this.tickNumber + 1;
  }

  // --- Queries and Continue-As-New -----------------------------------------------------------------------------

  leaderboard(limit: unknown): LeaderboardEntry[] {
    const n = typeof limit === 'number' && Number.isInteger(limit) ? Math.min(Math.max(limit, 1), 100) : this.options.topSize;
    return this.tweets.ranked(n);
  }

  shouldContinueAsNew(facts: RunFacts): boolean {
    const o = this.options;
    return (
      facts.continueAsNewSuggested ||
      facts.historyLength >= o.continueAsNewAfterEvents ||
      Math.max(facts.historySize, this.payloadBytesThisRun) >= o.continueAsNewAfterBytes ||
      this.signalsThisRun >= o.continueAsNewAfterSignals
    );
  }

  status(nowMs: number, facts: RunFacts): TrackingStatus {
    const nextTickMs = this.nextTickMs(nowMs);
    return {
      ...this.counters,
      trackedTweets: this.tweets.size,
      goneTweets: this.tweets.goneCount,
      followedUserIds: [...this.followed],
      tickSeconds: this.options.tickMs / 1000,
      tickNumber: this.tickNumber,
      lastTickMs: this.lastTickMs,
      nextTickMs,
      nextReportTick: this.nextReportTick,
      nextReportMs: nextTickMs + Math.max(this.nextReportTick - this.tickNumber - 1, 0) * this.options.tickMs,
      runNumber: this.runNumber,
      signalsThisRun: this.signalsThisRun,
      historyLength: facts.historyLength,
      historyBytes: Math.max(facts.historySize, this.payloadBytesThisRun),
      lastError: this.lastError,
      lastReport: this.lastReport,
    };
  }

  carry(): CarriedState {
    return {
      ...this.tweets.encode(),
      tickNumber: this.tickNumber,
      lastTickMs: this.lastTickMs,
      nextReportTick: this.nextReportTick,
      runNumber: this.runNumber,
      counters: { ...this.counters },
      lastReport: this.lastReport,
    };
  }
}

function approxJsonBytes(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return 0;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
