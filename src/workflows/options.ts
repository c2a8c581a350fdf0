import { ApplicationFailure } from '@temporalio/workflow';
import { DEFAULT_FOLLOWED_USER_IDS } from '../domain/followed-users';
import { isSnowflakeId } from '../domain/tweet-id';
import type { RetweetTrackingInput } from './definitions';

/** The input with every default filled in. */
export interface TrackingOptions {
  followedUserIds: string[];
  tickMs: number;
  reportEveryTicks: number;
  topSize: number;
  printLines: number;
  maxTrackedTweets: number;
  stalenessMs: number;
  horizonMs: number;
  maxRequestsPer15Min?: number;
  maxPostReadsPerDay?: number;
  allowedLatenessMs: number;
  continueAsNewAfterEvents: number;
  continueAsNewAfterBytes: number;
  continueAsNewAfterSignals: number;
}

export const DEFAULTS = {
  tickSeconds: 60,
  reportEveryTicks: 15,
  topSize: 5,
  printLines: 10,
  maxTrackedTweets: 20_000,
  stalenessMinutes: 15,
  horizonDays: 7,
  // Flink's bounded out-of-orderness, in the stream processors' usual range: X delivers posts within a second or
  // two, and the bridge forwards a watermark within its flush interval.
  allowedLatenessSeconds: 5,
  // The server suggests Continue-As-New near 4K events / 4 MB; these apply when it is configured otherwise (and
  // when it reports no size, like the test server). 2 MiB, not 4: a run closes after the tick that crosses the
  // threshold plus a Continue-As-New input, each ~0.5 MB at 20,000 tweets, and histories under 4 MB fit in one
  // gRPC message for tools that fetch them whole.
  continueAsNewAfterEvents: 4_000,
  continueAsNewAfterBytes: 2 * 1024 * 1024,
  // The server rejects signals past 10,000 per run; stay far below it so a burst between two checks fits.
  continueAsNewAfterSignals: 2_000,
} as const;

type IntegerField = keyof typeof DEFAULTS | 'maxRequestsPer15Min' | 'maxPostReadsPerDay';

function positiveInteger(input: RetweetTrackingInput, field: IntegerField, max: number): number {
  const value = (input as Record<string, unknown>)[field] ?? (DEFAULTS as Record<string, number>)[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    // A failed workflow with this message beats a workflow task that retries forever on bad input.
    throw ApplicationFailure.create({
      type: 'InvalidInput',
      nonRetryable: true,
      message: `${field} must be an integer between 1 and ${max}, got ${JSON.stringify(value)}`,
    });
  }
  return value;
}

/** The lateness a tick waits at most: the input's, or the default, never more than half a tick. */
function allowedLatenessMs(input: RetweetTrackingInput, tickMs: number): number {
  const value = input.allowedLatenessSeconds ?? DEFAULTS.allowedLatenessSeconds;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 3600) {
    throw ApplicationFailure.create({
      type: 'InvalidInput',
      nonRetryable: true,
      message: `allowedLatenessSeconds must be a number of seconds from 0 to 3600, got ${JSON.stringify(value)}`,
    });
  }
  return Math.min(Math.round(value * 1000), Math.floor(tickMs / 2));
}

/** Validates the input and fills in the defaults; bad input fails the workflow with a message naming the field. */
export function resolveOptions(input: RetweetTrackingInput): TrackingOptions {
  const followedUserIds = input.followedUserIds ?? [...DEFAULT_FOLLOWED_USER_IDS];
  if (!Array.isArray(followedUserIds) || !followedUserIds.every(isSnowflakeId)) {
    throw ApplicationFailure.create({
      type: 'InvalidInput',
      nonRetryable: true,
      message: 'followedUserIds must be a list of decimal user id strings',
    });
  }
  const tickMs = positiveInteger(input, 'tickSeconds', 24 * 3600) * 1000;
  return {
    followedUserIds,
    tickMs,
    reportEveryTicks: positiveInteger(input, 'reportEveryTicks', 10_000),
    topSize: positiveInteger(input, 'topSize', 50),
    printLines: positiveInteger(input, 'printLines', 1_000),
    maxTrackedTweets: positiveInteger(input, 'maxTrackedTweets', 100_000),
    stalenessMs: positiveInteger(input, 'stalenessMinutes', 7 * 24 * 60) * 60_000,
    horizonMs: positiveInteger(input, 'horizonDays', 365) * 24 * 3_600_000,
    ...(input.maxRequestsPer15Min === undefined
      ? {}
      : { maxRequestsPer15Min: positiveInteger(input, 'maxRequestsPer15Min', 1_000_000) }),
    ...(input.maxPostReadsPerDay === undefined
      ? {}
      : { maxPostReadsPerDay: positiveInteger(input, 'maxPostReadsPerDay', 100_000_000) }),
    allowedLatenessMs: allowedLatenessMs(input, tickMs),
    continueAsNewAfterEvents: positiveInteger(input, 'continueAsNewAfterEvents', 50_000),
    continueAsNewAfterBytes: positiveInteger(input, 'continueAsNewAfterBytes', 50 * 1024 * 1024),
    continueAsNewAfterSignals: positiveInteger(input, 'continueAsNewAfterSignals', 9_000),
  };
}
