/** The report of a chaos run: the figures the brief asks for, and the evidence behind each. */
import type { GroundTruthTweet, PostedEvent, RunningEmulator } from '../../src/emulator';
import type { TrackingStatus } from '../../src/workflows/definitions';
import type { Target } from './plan';
import type { Outage, UnexpectedExit } from './processes';
import type { TickOutage, Verdict } from './verdict';

/** The workflow's status fields a report keeps. */
const STATUS_FIELDS = [
  'historyLength',
  'tickNumber',
  'missedTicks',
  'failedTicks',
  'retweetsSeen',
  'duplicateRetweets',
  'droppedItems',
  'runNumber',
  'trackedTweets',
  'goneTweets',
] as const;
type StatusField = (typeof STATUS_FIELDS)[number];

/** The JSON the brief asks for, plus the evidence behind each figure. */
export interface ChaosReport {
  seed: number;
  kills: Record<Target, number>;
  lostTweets: number;
  doubleCounts: number;
  duplicateMinutes: number;
  unexplainedGaps: number;
  finalEqualsTruth: boolean;
  leftProcesses: number;
  ok: boolean;
  tickSeconds: number;
  durationSeconds: number;
  /** Seconds from the end of the last outage until the last file equalled the ground truth (undefined: never). */
  settledAfterSeconds?: number;
  truthTweets: number;
  retweetsStreamed: number;
  files: number;
  status?: Pick<TrackingStatus, StatusField>;
  historyRuns: number;
  outages: Outage[];
  unexpectedExits: UnexpectedExit[];
  leftovers: string[];
  /** Where each lost tweet was last seen, and which outage covered its release. */
  lostTweetTrail: LostTweetTrail[];
  /** Worker outages as the workflow lived them (until the server gave up on the dead worker's task), used to explain gaps. */
  tickOutages: TickOutage[];
  verdict: Verdict;
  /** Kept when the run failed (minute files, server logs are gone with the servers); removed when it passed. */
  runDir?: string;
}

/** The trail of a lost tweet through the pipeline: the evidence for a bug report. */
export interface LostTweetTrail {
  id: string;
  authorId: string;
  minute: number;
  /** When the emulator released it to the stream (epoch ms). */
  releasedAt?: number;
  /** Its status at the end ('live', 'deleted', 'protected', 'suspended'), and the first minute it was not live. */
  status: string;
  goneAtMinute?: number;
  receivedByProducer: boolean;
  inKafka: boolean;
  /** Outages of the producer or Kafka around its release. */
  duringOutages: string[];
}

/** The workflow status figures the report keeps. */
export function pickStatus(s: TrackingStatus): ChaosReport['status'] {
  return Object.fromEntries(STATUS_FIELDS.map((field) => [field, s[field]])) as Pick<TrackingStatus, StatusField>;
}

/**
 * Distinct retweets of followed users' tweets that the stream rules let through, once each: all of them with
 * `retweets_of:` rules, else only those posted by followed users themselves (`from:`).
 */
export function releasedRetweets(emulator: RunningEmulator, streamRetweets: boolean): number {
  const followed = new Set(emulator.simulation.followedUserIds);
  const ofFollowed = (p: PostedEvent): boolean =>
    followed.has(emulator.simulation.tweets.get(p.retweetedId ?? '')?.authorId ?? '');
  return emulator.admin
    .posted()
    .filter((p) => p.retweetedId && ofFollowed(p) && (streamRetweets || followed.has(p.authorId))).length;
}

/** Follows each lost tweet through the pipeline: released by X when, seen by a producer, in Kafka, which outages. */
export function traceLostTweets(input: {
  lostIds: readonly string[];
  truth: readonly GroundTruthTweet[];
  releasedAt: ReadonlyMap<number, number>;
  receivedByProducer: ReadonlySet<string>;
  inKafka: ReadonlySet<string>;
  outages: readonly Outage[];
  tickMs: number;
  /** What a lookup of `id` answered at `minute` (the emulator's ground truth). */
  statusAt: (id: string, minute: number) => string | undefined;
  finalMinute: number;
}): LostTweetTrail[] {
  const near = input.outages.filter((o) => o.target === 'producer' || o.target === 'kafka');
  const iso = (ms: number | undefined): string => (ms === undefined ? 'never' : new Date(ms).toISOString());
  return input.lostIds.map((id) => {
    const t = input.truth.find((x) => x.id === id)!;
    const at = input.releasedAt.get(t.minute);
    const margin = 2 * input.tickMs;
    // A post X stopped serving soon after it was released cannot be caught up from a timeline after a gap.
    let goneAtMinute: number | undefined;
    for (let m = t.minute; m <= input.finalMinute && goneAtMinute === undefined; m++)
      if (input.statusAt(id, m) !== 'live') goneAtMinute = m;
    return {
      id,
      authorId: t.authorId,
      minute: t.minute,
      status: t.status,
      goneAtMinute,
      releasedAt: at,
      receivedByProducer: input.receivedByProducer.has(id),
      inKafka: input.inKafka.has(id),
      duringOutages:
        at === undefined
          ? []
          : near
              .filter((o) => at >= o.downAt - margin && at <= (o.upAt ?? Infinity) + margin)
              .map((o) => `${o.target} ${iso(o.downAt)}..${iso(o.upAt)}`),
    };
  });
}
