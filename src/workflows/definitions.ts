/**
 * The RetweetTracking workflow's public API: its input, signal and queries. Clients (the Kafka bridge, the CLI,
 * tests) import this module alone, so they never pull workflow code.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ObservedTweet } from '../domain/observed-tweet';
import type { ReportEntry } from '../activities/types';

export type { ObservedTweet } from '../domain/observed-tweet';
export type { ReportEntry } from '../activities/types';

/** A batch of tweets seen in the stream. Items are validated in the workflow; invalid ones are dropped and counted. */
export const tweetsObserved = defineSignal<[ObservedTweet[]]>('tweetsObserved');
/** The top tracked tweets by current count (gone ones skipped); `limit` defaults to the top size, at most 100. */
export const leaderboard = defineQuery<LeaderboardEntry[], [limit?: number]>('leaderboard');
export const status = defineQuery<TrackingStatus>('status');

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
  /** `id:count,...` of every tracked tweet. */
  counts: string;
  /** Comma-separated ids of tweets X reported gone. */
  gone: string;
  /** Tick boundaries passed since the first run (missed ones included): drives the report cadence. */
  tickNumber: number;
  lastTickMs?: number;
  nextReportTick: number;
  runNumber: number;
  counters: TrackingCounters;
  lastReport?: LastReport;
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
  reportsWritten: number;
  failedReports: number;
  signalsReceived: number;
}

export interface LastReport {
  atMs: number;
  fileBase: string;
  entries: ReportEntry[];
}

export interface LeaderboardEntry {
  tweetId: string;
  retweets: number;
}

export interface TrackingStatus extends TrackingCounters {
  trackedTweets: number;
  goneTweets: number;
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
}
