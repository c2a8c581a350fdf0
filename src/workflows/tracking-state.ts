import type { EnrichInput, EnrichResult, RefreshInput, RefreshResult, UnpublishedCounts } from '../activities/types';
import { decodeCounts, decodeIds, encodeCounts } from '../domain/compact-counts';
import { validateObservedTweet } from '../domain/observed-tweet';
import { UNKNOWN_LIMIT, UTC_DAY_MS } from '../domain/refresh-budget';
import { planRefresh } from '../domain/refresh-planner';
import { isBilledRead, recordUsage } from '../domain/refresh-usage';
import { isSnowflakeId } from '../domain/tweet-id';
import { PartitionWatermarks, validateWatermarkReport } from '../domain/watermark';
import type {
  CarriedState,
  LastReport,
  LeaderboardEntry,
  TrackingCounters,
  TrackingStatus,
  XBudget,
  XUsage,
} from './definitions';
import type { TrackingOptions } from './options';
import { RecentIds } from './recent-ids';
import { TrackedTweets } from './tracked-tweets';

/** Extra report candidates beyond the top size, so tweets found gone at report time are replaced by the next. */
const REPORT_SPARES = 10;
/** X's lookup takes 100 ids per request: the report's single lookup stays one request. */
const MAX_CANDIDATES = 100;
/** Retweet ids remembered for dedupe: more than a bridge ever redelivers after a crash (one uncommitted batch). */
const RECENT_RETWEETS = 10_000;
/** Followed users at most: X allows 1,000 rules of 1,024 characters; one user per rule clause. */
const MAX_FOLLOWED = 1_000;
/**
 * Changelog rows Kafka has not confirmed that the workflow keeps for the next ticks, in characters of their
 * encoding (about 30 a row): each tick's activity input carries them, so they must stay well inside Temporal's
 * payload limits. About 25 minutes of a typical load; beyond it the oldest ticks are dropped and counted.
 */
const MAX_UNPUBLISHED_CHARS = 256 * 1024;
/** X's pay-per-use price of one billed post read. */
export const USD_PER_POST_READ = 0.005;
/** Lookups of a tick stop at this share of it, so the file is written before the next tick. */
const LOOKUP_SHARE_OF_TICK = 0.75;

/** The run-facts the status query reports; read from workflowInfo() by the workflow. */
export interface RunFacts {
  historyLength: number;
  historySize: number;
  continueAsNewSuggested: boolean;
}

/** Watermarks flow while one came within this many ticks; otherwise ticks close at their boundary. */
const WATERMARK_SILENCE_TICKS = 3;

/** The refresh under way: its lookup list, the file's ids, and retweets streamed meanwhile (X's answer may predate them). */
interface InFlight {
  lookup: string[];
  fileIds: Set<string>;
  streamed: Map<string, number>;
}

const NO_USAGE: XUsage = {
  requestsThisWindow: 0,
  windowStartMs: 0,
  utcDayStartMs: 0,
  postReadsToday: 0,
  lookupRequestsToday: 0,
  refusedRequestsToday: 0,
  streamPostsToday: 0,
};

/**
 * Everything the RetweetTracking workflow knows, in one plain class: the handlers and the main loop call its
 * methods, and `carry()` hands it to the next run. No Temporal APIs here, so it is easy to reason about.
 */
export class TrackingState {
  private readonly followed: Set<string>;
  private readonly tweets: TrackedTweets;
  private readonly recentRetweets: RecentIds;
  private tickNumber = 0;
  private lastTickMs?: number;
  private nextReportTick: number;
  private runNumber = 1;
  private lastReport?: LastReport;
  private lastError?: string;
  private xBudget?: XBudget;
  private usage: XUsage;
  private inFlight?: InFlight;
  private lastPlan = { overdue: 0, budgetRequests: undefined as number | undefined };
  private signalsThisRun = 0;
  private readonly watermarks = new PartitionWatermarks();
  private watermarkReceivedMs?: number;
  /** Files are closed up to this event time: a tweet posted before it that arrives now is late. */
  private closedUpToMs?: number;
  /** Payload bytes this run added to the history, counted here because not every server reports the size. */
  private payloadBytesThisRun = 0;
  /** Earlier ticks' changelog rows Kafka has not confirmed: handed to the next tick's activity. */
  private unpublished: UnpublishedCounts[] = [];
  private readonly counters: TrackingCounters = {
    droppedItems: 0,
    ignoredItems: 0,
    retweetsSeen: 0,
    evictedTweets: 0,
    missedTicks: 0,
    failedTicks: 0,
    duplicateRetweets: 0,
    retiredTweets: 0,
    reportsWritten: 0,
    failedReports: 0,
    signalsReceived: 0,
    lateTweets: 0,
    ticksClosedByLateness: 0,
    changelogRowsDropped: 0,
  };

  constructor(
    private readonly options: TrackingOptions,
    carried?: CarriedState,
  ) {
    this.followed = new Set(carried?.followedUserIds ?? options.followedUserIds);
    this.nextReportTick = options.reportEveryTicks;
    this.tweets = new TrackedTweets(options.maxTrackedTweets, options.horizonMs, carried);
    this.recentRetweets = new RecentIds(RECENT_RETWEETS, carried?.recentRetweets);
    this.usage = { ...NO_USAGE, ...carried?.usage };
    if (!carried) return;
    this.xBudget = carried.xBudget;
    this.tickNumber = carried.tickNumber;
    this.lastTickMs = carried.lastTickMs;
    this.nextReportTick = carried.nextReportTick;
    this.runNumber = carried.runNumber + 1;
    this.lastReport = carried.lastReport;
    Object.assign(this.counters, carried.counters);
    if (carried.watermarks) this.watermarks.apply(carried.watermarks);
    this.watermarkReceivedMs = carried.watermarkReceivedMs;
    this.closedUpToMs = carried.lastTickMs;
    this.unpublished = carried.unpublishedCounts ?? [];
  }

  // --- Signals and updates -------------------------------------------------------------------------------------

  /** Applies one `tweetsObserved` batch. Never throws: a throwing handler would fail the workflow task. */
  observe(batch: unknown, nowMs: number): void {
    this.signalsThisRun += 1;
    this.counters.signalsReceived += 1;
    this.payloadBytesThisRun += approxJsonBytes(batch);
    if (!Array.isArray(batch)) {
      this.counters.droppedItems += 1;
      return;
    }
    this.rollDay(nowMs);
    for (const item of batch) {
      const checked = validateObservedTweet(item);
      if (!checked.ok) {
        this.counters.droppedItems += 1;
        continue;
      }
      const { id, authorId, retweetedOf, createdAt } = checked.value;
      if (retweetedOf) this.observeRetweet(id, retweetedOf.id, retweetedOf.authorId, nowMs);
      else if (this.followed.has(authorId)) {
        if (this.tweets.get(id) === undefined) this.usage.streamPostsToday += 1;
        this.track(id, nowMs, 0, createdAt === undefined ? undefined : Date.parse(createdAt));
      } else this.counters.ignoredItems += 1;
    }
  }

  /**
   * A retweet counts toward its original at once (hybrid counting), once per retweet id: the next lookup
   * reconciles to X's number. An original not tracked yet starts with the retweets seen, until X answers.
   */
  private observeRetweet(retweetId: string, originalId: string, originalAuthorId: string, nowMs: number): void {
    if (!this.followed.has(originalAuthorId)) {
      this.counters.ignoredItems += 1;
      return;
    }
    if (!this.recentRetweets.add(retweetId)) {
      this.counters.duplicateRetweets += 1;
      return;
    }
    this.counters.retweetsSeen += 1;
    this.usage.streamPostsToday += 1;
    this.usage.postReadsToday += 1;
    if (this.tweets.addRetweet(originalId, nowMs)) {
      const streamed = this.inFlight?.streamed;
      if (streamed) streamed.set(originalId, (streamed.get(originalId) ?? 0) + 1);
    } else this.track(originalId, nowMs, 1);
  }

  private track(id: string, nowMs: number, initial: number, createdAtMs?: number): void {
    const { tracked, evicted } = this.tweets.track(id, nowMs, initial, createdAtMs);
    if (evicted) this.counters.evictedTweets += 1;
    // Posted before the last closed file's boundary: it belonged there, and goes into the next file instead.
    const postedMs = tracked ? this.tweets.get(id)?.postedMs : undefined;
    if (postedMs !== undefined && this.closedUpToMs !== undefined && postedMs < this.closedUpToMs)
      this.counters.lateTweets += 1;
  }

  /** Applies a `watermarksAdvanced` report. Never throws. */
  observeWatermarks(report: unknown, nowMs: number): void {
    this.signalsThisRun += 1;
    this.counters.signalsReceived += 1;
    const checked = validateWatermarkReport(report);
    if (!checked.ok) {
      this.counters.droppedItems += 1;
      return;
    }
    this.watermarks.apply(checked.value);
    this.watermarkReceivedMs = nowMs;
  }

  /** True while the stream's watermarks flow: a tick then waits (up to the allowed lateness) for them. */
  watermarksFlowing(nowMs: number): boolean {
    if (this.watermarks.low() === undefined || this.watermarkReceivedMs === undefined) return false;
    return nowMs - this.watermarkReceivedMs <= WATERMARK_SILENCE_TICKS * this.options.tickMs;
  }

  /** True once every partition's watermark passed `boundaryMs`: every tweet posted before it has arrived. */
  watermarkPassed(boundaryMs: number): boolean {
    return (this.watermarks.low() ?? Number.NEGATIVE_INFINITY) >= boundaryMs;
  }

  /**
   * Closes the tick's event-time window: the file holds the tweets posted before `boundaryMs`; later arrivals
   * posted before it are late. `byLateness`: the wait ran out before the watermark passed.
   */
  closeWindow(boundaryMs: number, byLateness: boolean): void {
    this.closedUpToMs = boundaryMs;
    if (byLateness) this.counters.ticksClosedByLateness += 1;
  }

  /** Validates a `follow`/`unfollow` argument; throws (rejecting the update) with what is wrong. */
  validateUserIds(ids: unknown): void {
    if (!Array.isArray(ids) || ids.length === 0) throw new Error('give at least one user id');
    const bad = ids.filter((id) => !isSnowflakeId(id));
    if (bad.length)
      throw new Error(`not X user ids (1 to 19 digits): ${bad.map((id) => JSON.stringify(id)).join(', ')}`);
  }

  follow(ids: readonly string[]): string[] {
    const added = ids.filter((id) => !this.followed.has(id));
    if (this.followed.size + added.length > MAX_FOLLOWED) throw new Error(`at most ${MAX_FOLLOWED} followed users`);
    for (const id of added) this.followed.add(id);
    return this.followedUserIds();
  }

  unfollow(ids: readonly string[]): string[] {
    for (const id of ids) this.followed.delete(id);
    return this.followedUserIds();
  }

  followedUserIds(): string[] {
    return [...this.followed];
  }

  // --- Ticks ---------------------------------------------------------------------------------------------------

  /** The boundary the next tick is due at: aligned to tick-length boundaries of workflow time. */
  nextTickMs(nowMs: number): number {
    const { tickMs } = this.options;
    return this.lastTickMs === undefined ? Math.floor(nowMs / tickMs) * tickMs + tickMs : this.lastTickMs + tickMs;
  }

  /**
   * Starts the tick for the current boundary; boundaries that passed unserved count as missed, not replayed. After a
   * gap of a report period or more (`skipReportsOfGaps`), the reports due in it are skipped, not fired on resuming:
   * the cadence goes on from the next report boundary.
   */
  beginTick(nowMs: number, skipReportsOfGaps = false): number {
    const { tickMs, reportEveryTicks } = this.options;
    const boundary = Math.floor(nowMs / tickMs) * tickMs;
    const tickMsAt = this.lastTickMs === undefined ? boundary : Math.max(boundary, this.lastTickMs + tickMs);
    const missed = this.lastTickMs === undefined ? 0 : (tickMsAt - this.lastTickMs) / tickMs - 1;
    this.counters.missedTicks += missed;
    this.tickNumber += 1 + missed;
    this.lastTickMs = tickMsAt;
    if (skipReportsOfGaps && missed >= reportEveryTicks && this.tickNumber > this.nextReportTick) {
      this.nextReportTick = (Math.floor(this.tickNumber / reportEveryTicks) + 1) * reportEveryTicks;
    }
    return tickMsAt;
  }

  /** The tick begun could not run before the next boundary (no worker): counted as missed, like a passed boundary. */
  missTick(): void {
    this.counters.missedTicks += 1;
  }

  /** Plans the tick's lookups within X's budget and builds the activity input; retired tweets leave first. */
  refreshInput(tickMs: number, nowMs: number): RefreshInput {
    this.rollDay(nowMs);
    const o = this.options;
    const settings = {
      tickMs: o.tickMs,
      stalenessBoundMs: o.stalenessMs,
      horizonMs: o.horizonMs,
      idsPerRequest: 100,
      ...(o.maxRequestsPer15Min ? { maxRequestsPer15Min: o.maxRequestsPer15Min } : {}),
      ...(o.maxPostReadsPerDay ? { maxPostReadsPerDay: o.maxPostReadsPerDay } : {}),
    };
    const plan = planRefresh(this.tweets.plannerTweets(tickMs), nowMs, this.xBudget, this.usage, settings);
    this.counters.retiredTweets += this.tweets.retire(plan.retire).length;
    this.lastPlan = { overdue: plan.overdue, budgetRequests: plan.budgetRequests };
    const entries = this.tweets.fileEntries(plan.lookup, tickMs);
    this.inFlight = { lookup: plan.lookup, fileIds: new Set(entries.map(([id]) => id)), streamed: new Map() };
    const input: RefreshInput = {
      tickMs,
      counts: encodeCounts(entries),
      lookupCount: plan.lookup.length,
      previous: encodeCounts(this.tweets.previousFileCounts(tickMs)),
      // JSON has no Infinity: an unbounded budget is simply every request the list needs.
      maxRequests: Number.isFinite(plan.budgetRequests) ? Math.max(plan.budgetRequests, 0) : plan.requests,
      // From when the refresh starts: a tick that waited for the watermark still gets its share of lookups.
      deadlineMs: Math.max(tickMs, nowMs) + Math.floor(o.tickMs * LOOKUP_SHARE_OF_TICK),
      printLines: o.printLines,
      plan: { budgetRequests: plan.budgetRequests, overdue: plan.overdue, staleMinutes: this.tweets.staleness(nowMs) },
      ...(this.unpublished.length > 0 ? { unpublished: this.unpublished } : {}),
    };
    this.payloadBytesThisRun += input.counts.length + input.previous.length + unpublishedChars(this.unpublished);
    return input;
  }

  /** Applies X's answers: counts (plus what the stream added meanwhile), gone and refused ids, the budget. */
  applyRefresh(result: RefreshResult, tickMs: number, nowMs: number): void {
    this.payloadBytesThisRun += result.changed.length + result.notLookedUp.length + approxJsonBytes(result.gone);
    const flight = this.inFlight ?? { lookup: [], fileIds: new Set<string>(), streamed: new Map<string, number>() };
    this.inFlight = undefined;
    const changed = new Map(decodeCounts(result.changed));
    const unanswered = new Set([...decodeIds(result.notLookedUp), ...result.invalid]);
    let answeredBilled = 0;
    for (const id of flight.lookup) {
      if (unanswered.has(id)) continue;
      const streamed = flight.streamed.get(id) ?? 0;
      const tweet = this.tweets.get(id);
      if (tweet && isBilledRead(tweet.lastLookupMs, nowMs)) answeredBilled += 1;
      // Unchanged at X: the count already is X's plus what streamed meanwhile.
      this.tweets.answered(id, changed.has(id) ? changed.get(id) : undefined, streamed, tickMs);
    }
    this.tweets.markGone(result.gone);
    this.tweets.markInvalid(result.invalid);
    this.tweets.fileWritten(flight.fileIds);
    this.keepUnpublished(result.unpublished ?? []);
    if (result.rateLimit) this.xBudget = { ...result.rateLimit, observedAtMs: nowMs };
    if (result.refusedUntilMs && (this.xBudget?.remaining !== 0 || this.xBudget.resetMs < result.refusedUntilMs)) {
      // A 429 without a window size: nothing until its reset, then the smallest plan's window until X says more.
      const limit = this.xBudget?.limit ?? UNKNOWN_LIMIT;
      this.xBudget = { limit, remaining: 0, resetMs: result.refusedUntilMs, observedAtMs: nowMs };
    }
    const usage = recordUsage(this.usage, nowMs, result.requests, answeredBilled);
    this.usage = {
      ...this.usage,
      ...usage,
      lookupRequestsToday: this.usage.lookupRequestsToday + result.requests,
      refusedRequestsToday: this.usage.refusedRequestsToday + result.refused,
    };
    if (result.stoppedBy || result.lastError) this.lastError = result.stoppedBy ?? result.lastError;
  }

  /** Keeps what Kafka has not confirmed for the next tick, the newest ticks first within the bound. */
  private keepUnpublished(unpublished: UnpublishedCounts[]): void {
    let chars = unpublishedChars(unpublished);
    this.payloadBytesThisRun += chars;
    const kept = [...unpublished];
    while (chars > MAX_UNPUBLISHED_CHARS) {
      const oldest = kept.shift()!;
      chars -= oldest.rows.length;
      this.counters.changelogRowsDropped += oldest.rows.split(',').length;
    }
    this.unpublished = kept;
  }

  recordTickFailure(error: unknown): void {
    this.inFlight = undefined;
    this.counters.failedTicks += 1;
    this.lastError = describe(error);
  }

  /** A new UTC day starts the "today" figures from zero. */
  private rollDay(nowMs: number): void {
    const dayStart = Math.floor(nowMs / UTC_DAY_MS) * UTC_DAY_MS;
    if (this.usage.utcDayStartMs === dayStart) return;
    this.usage = {
      ...this.usage,
      utcDayStartMs: dayStart,
      postReadsToday: 0,
      lookupRequestsToday: 0,
      refusedRequestsToday: 0,
      streamPostsToday: 0,
    };
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
    const n =
      typeof limit === 'number' && Number.isInteger(limit) ? Math.min(Math.max(limit, 1), 100) : this.options.topSize;
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
    const today = Math.floor(nowMs / UTC_DAY_MS) * UTC_DAY_MS === this.usage.utcDayStartMs;
    const billed = today ? this.usage.postReadsToday : 0;
    return {
      ...this.counters,
      trackedTweets: this.tweets.size,
      goneTweets: this.tweets.goneCount,
      invalidTweets: this.tweets.invalidCount,
      overdueTweets: this.lastPlan.overdue,
      staleMinutes: this.tweets.staleness(nowMs),
      budgetRequestsPerTick: this.lastPlan.budgetRequests,
      xBudget: this.xBudget,
      xRequestsToday: today ? this.usage.lookupRequestsToday : 0,
      xRefusedToday: today ? this.usage.refusedRequestsToday : 0,
      billedPostReadsToday: billed,
      estimatedCostUsdToday: Math.round(billed * USD_PER_POST_READ * 1000) / 1000,
      followedUserIds: this.followedUserIds(),
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
      watermarkMs: this.watermarks.low(),
      closedUpToMs: this.closedUpToMs,
      changelogBacklogTicks: this.unpublished.length,
    };
  }

  carry(nowMs: number): CarriedState {
    return {
      ...this.tweets.encode(nowMs),
      followedUserIds: this.followedUserIds(),
      recentRetweets: this.recentRetweets.encode(),
      ...(this.xBudget ? { xBudget: this.xBudget } : {}),
      usage: { ...this.usage },
      tickNumber: this.tickNumber,
      lastTickMs: this.lastTickMs,
      nextReportTick: this.nextReportTick,
      runNumber: this.runNumber,
      counters: { ...this.counters },
      lastReport: this.lastReport,
      watermarks: this.watermarks.toReport(),
      watermarkReceivedMs: this.watermarkReceivedMs,
      ...(this.unpublished.length > 0 ? { unpublishedCounts: this.unpublished } : {}),
    };
  }
}

function unpublishedChars(ticks: readonly UnpublishedCounts[]): number {
  return ticks.reduce((sum, tick) => sum + tick.rows.length, 0);
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
