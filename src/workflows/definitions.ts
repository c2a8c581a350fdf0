/**
 * The RetweetTracking workflow's public API: its input, signal and queries. Clients (the Kafka bridge, the CLI,
 * tests) import this module alone, so they never pull workflow code.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { TweetCount } from '../domain/ranking';
import type { ObservedTweet } from '../domain/observed-tweet';
import type { WatermarkReport } from '../domain/watermark';
import type { ReportEntry, UnpublishedCounts } from '../activities/types';

export type { ObservedTweet } from '../domain/observed-tweet';
export type { WatermarkReport } from '../domain/watermark';
export type { ReportEntry } from '../activities/types';

/** A batch of tweets seen in the stream. Items are validated in the workflow; invalid ones are dropped and counted. */
export const tweetsObserved = defineSignal<[ObservedTweet[]]>('tweetsObserved');
/**
 * The stream's event-time progress per partition, sent by the bridge once the tweets before the marks were
 * delivered: a tick's file closes when the lowest mark passes its boundary (or the allowed lateness runs out).
 */
export const watermarksAdvanced = defineSignal<[WatermarkReport]>('watermarksAdvanced');
/** The top tracked tweets by current count (gone ones skipped); `limit` defaults to the top size, at most 100. */
export const leaderboard = defineQuery<LeaderboardEntry[], [limit?: number]>('leaderboard');
export const status = defineQuery<TrackingStatus>('status');
/** The followed user ids: the one source of truth the producer syncs its stream rules to. */
export const followedUsers = defineQuery<string[]>('followedUsers');
/** Everything a new run needs to carry on where this one stopped (also answered by a closed run). */
export const checkpoint = defineQuery<CarriedState>('checkpoint');
/** Adds followed users while tracking runs; returns the new list. Validated: ids as X allows them. */
export const follow = defineUpdate<string[], [string[]]>('follow');
/** Removes followed users (their tracked tweets stay until their horizon); returns the new list. */
export const unfollow = defineUpdate<string[], [string[]]>('unfollow');

/** Workflow input: every field optional, so `temporal workflow start` with no input works. */
export interface RetweetTrackingInput {
  /** X user ids whose tweets are tracked (default: the eight accounts of the original job). */
  followedUserIds?: string[];
  /** Tick length in seconds (default 60): one refresh and snapshot file per tick, on tick boundaries. */
  tickSeconds?: number;
  /** Ticks between top-N reports (default 15). */
  reportEveryTicks?: number;
  /** Tweets in each report (default 5). */
  topSize?: number;
  /** Snapshot lines printed per tick (default 10). */
  printLines?: number;
  /** Tracked tweets kept at most (default 20,000); beyond it the oldest tweet stops being tracked. */
  maxTrackedTweets?: number;
  /** Every tracked tweet is looked up at least this often while X's budget allows (default 15). */
  stalenessMinutes?: number;
  /** A tweet is tracked this long after it was posted, then retires from the files (default 7). */
  horizonDays?: number;
  /** A cap of our own on lookup requests per 15 minutes (default none: X's limit alone). */
  maxRequestsPer15Min?: number;
  /** A cap on billed post reads per UTC day, for cost control (default none). */
  maxPostReadsPerDay?: number;
  /**
   * How long a tick waits past its boundary for the stream's watermark (default 5, at most half a tick): tweets
   * created before the boundary that arrive later go into the next file and count as late.
   */
  allowedLatenessSeconds?: number;
  /** Continue-As-New after this many history events in a run (default 4,000). */
  continueAsNewAfterEvents?: number;
  /** Continue-As-New after this many history bytes in a run (default 2 MiB), when the server reports the size. */
  continueAsNewAfterBytes?: number;
  /** Continue-As-New after this many signals in a run (default 2,000; the server refuses more than 10,000). */
  continueAsNewAfterSignals?: number;
  /** State carried from the previous run by Continue-As-New; not for users. */
  carried?: CarriedState;
}

/** The state that survives Continue-As-New, compactly encoded. */
export interface CarriedState {
  /** `id:count:posted:lookup:change:file:gone,...` of every tracked tweet, times in minutes before `asOfMs`. */
  tweets: string;
  asOfMs: number;
  /** Comma-separated ids X refused as malformed. */
  invalid: string;
  /** The followed users as changed by `follow`/`unfollow`. */
  followedUserIds: string[];
  /** Recent retweet ids counted from the stream (dedupe window). */
  recentRetweets: string;
  /** X's rate-limit state after the last lookup, and what was spent today. */
  xBudget?: XBudget;
  usage: XUsage;
  /** Tick boundaries passed since the first run (missed ones included): drives the report cadence. */
  tickNumber: number;
  lastTickMs?: number;
  nextReportTick: number;
  runNumber: number;
  counters: TrackingCounters;
  lastReport?: LastReport;
  /** The stream's watermarks as last reported. */
  watermarks?: WatermarkReport;
  watermarkReceivedMs?: number;
  /** Changelog rows of earlier ticks Kafka had not confirmed (see `UnpublishedCounts`). */
  unpublishedCounts?: UnpublishedCounts[];
}

export interface TrackingCounters {
  /** Signal items that failed validation. */
  droppedItems: number;
  /** Valid items that concern no followed author. */
  ignoredItems: number;
  /** Retweets of followed authors' tweets seen in the stream. */
  retweetsSeen: number;
  /** Tweets no longer tracked because maxTrackedTweets was reached. */
  evictedTweets: number;
  /** Tick boundaries that passed with no tick (no worker was running). */
  missedTicks: number;
  /** Ticks whose refresh failed after its retries (no file for that minute). */
  failedTicks: number;
  /** Retweets not counted again because their id was already counted (redeliveries). */
  duplicateRetweets: number;
  /** Tweets that reached their horizon and left the files. */
  retiredTweets: number;
  reportsWritten: number;
  failedReports: number;
  signalsReceived: number;
  /** Tweets that arrived after the file of their creation time was closed: they went into a later file. */
  lateTweets: number;
  /** Ticks closed by the allowed lateness while watermarks flowed but had not passed the boundary. */
  ticksClosedByLateness: number;
  /** Changelog rows given up unconfirmed: a Kafka outage held more than the workflow keeps for the next ticks. */
  changelogRowsDropped: number;
}

export interface LastReport {
  atMs: number;
  fileBase: string;
  entries: ReportEntry[];
}

/** One line of the leaderboard: a tweet and its cumulative retweet count. */
export type LeaderboardEntry = TweetCount;

/** X's rate-limit headers of the last lookup. */
export interface XBudget {
  limit: number;
  remaining: number;
  resetMs: number;
  observedAtMs: number;
}

/** What the tracker spent on X: the planner's windows, and today's figures for status and cost. */
export interface XUsage {
  /** Our own 15-minute window for maxRequestsPer15Min. */
  requestsThisWindow: number;
  windowStartMs: number;
  /** The UTC day the "today" figures belong to. */
  utcDayStartMs: number;
  /** Billed post reads today: lookups deduplicated per UTC day, plus stream posts. */
  postReadsToday: number;
  lookupRequestsToday: number;
  refusedRequestsToday: number;
  streamPostsToday: number;
}

export interface TrackingStatus extends TrackingCounters {
  trackedTweets: number;
  goneTweets: number;
  /** Ids X refused as malformed: never looked up again. */
  invalidTweets: number;
  /** Tracked tweets staler than the bound that X's budget cannot cover (0 while it can). */
  overdueTweets: number;
  /** Minutes since the last answered lookup, over the tracked tweets (-1: some never looked up). */
  staleMinutes: { p50: number; p90: number; max: number };
  /** Requests the last plan could spend per tick. */
  budgetRequestsPerTick?: number;
  xBudget?: XBudget;
  /** X figures of the current UTC day: requests, billed post reads and their estimated cost at $0.005 a read. */
  xRequestsToday: number;
  xRefusedToday: number;
  billedPostReadsToday: number;
  estimatedCostUsdToday: number;
  followedUserIds: string[];
  tickSeconds: number;
  tickNumber: number;
  /** The boundary of the last tick, epoch ms. */
  lastTickMs?: number;
  nextTickMs: number;
  nextReportTick: number;
  /** When the next report is due, epoch ms (assuming no missed ticks). */
  nextReportMs: number;
  runNumber: number;
  signalsThisRun: number;
  historyLength: number;
  /** History bytes of this run: the server's figure, or the payload bytes counted by the workflow if larger. */
  historyBytes: number;
  lastError?: string;
  lastReport?: LastReport;
  /** The lowest watermark over the stream's partitions (epoch ms), when watermarks flow. */
  watermarkMs?: number;
  /** Event time up to which files are closed: the last file holds the tweets created before it. */
  closedUpToMs?: number;
  /** Ticks whose changelog rows Kafka has not confirmed yet: each next tick publishes them again. */
  changelogBacklogTicks: number;
}
