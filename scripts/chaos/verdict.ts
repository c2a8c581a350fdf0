/** The chaos run's checks: pure functions of what the run left behind and the emulator's ground truth. */
import type { GroundTruthTweet } from '../../src/emulator';
import type { DeadLetter, MinuteFile, TickRecord } from './evidence';

/** A window during which ticks may be missing: a Temporal server or worker outage. */
export interface TickOutage {
  target: string;
  downAt: number;
  /** Undefined: never came back (every later gap is explained, and that is a finding of its own). */
  upAt?: number;
}

export interface VerdictInput {
  tickMs: number;
  /** Original tweets of the followed users and their counts at the final simulated minute. */
  truth: GroundTruthTweet[];
  files: MinuteFile[];
  ticks: TickRecord;
  /** Tweet ids in the workflow's `checkpoint` query answer. */
  checkpointIds: string[];
  outages: TickOutage[];
  deadLetters: DeadLetter[];
  /** Keys of the malformed records the run wrote into `tweets` on purpose. */
  injectedKeys: string[];
  /**
   * Distinct retweets of followed users' tweets the X stream released, and the workflow's `retweetsSeen` (each
   * retweet id it counted). More counted than released is a retweet counted twice, which later lookups would
   * hide from the files.
   */
  retweets: { released: number; counted: number };
}

/** A tweet whose count in the last file differs from X's. */
export interface CountMismatch {
  tweetId: string;
  file: number;
  truth: number;
  status: string;
}

export interface Verdict {
  lastFile?: string;
  lostTweets: number;
  lostIds: string[];
  /** Live tweets counted above X's number in the last file, plus retweet ids counted beyond those released. */
  doubleCounts: number;
  /** `retweetsSeen` minus the distinct retweets X released, when positive: the dedupe let one through. */
  retweetsCountedTwice: number;
  /** Live tweets counted below X's number. */
  underCounts: number;
  mismatches: CountMismatch[];
  /** Tweets X no longer serves (deleted, protected) whose frozen count differs from X's last: informational. */
  goneMismatches: CountMismatch[];
  /** Ids in the last file that X never had among the followed users' tweets. */
  unknownIds: string[];
  duplicateMinutes: number;
  duplicateDetails: string[];
  unexplainedGaps: number;
  gaps: Array<{ minuteMs: number; explainedBy?: string }>;
  finalEqualsTruth: boolean;
  deadLetters: { expected: number; found: number; unexpected: DeadLetter[]; missing: string[] };
}

/** A workflow task timeout belongs to a worker kill when it comes at most this long after the kill plus a tick. */
const TASK_TIMEOUT_SLACK_MS = 15_000;

/**
 * A SIGKILLed worker's outage, as the workflow lives it, lasts until its restart was ready AND the server gave up
 * on the dead worker (a WorkflowTaskTimedOut event in the history: the task it held, or its sticky queue; 10 s
 * by default, so several fast ticks). Both ends are measured, none assumed.
 */
export function withTaskTimeouts(
  outages: readonly TickOutage[],
  taskTimeouts: readonly number[],
  tickMs: number,
): TickOutage[] {
  return outages.map((o) => {
    const belongs = taskTimeouts.filter((t) => t >= o.downAt && t <= o.downAt + tickMs + TASK_TIMEOUT_SLACK_MS);
    if (belongs.length === 0 || o.upAt === undefined) return o;
    return { ...o, upAt: Math.max(o.upAt, ...belongs) };
  });
}

/** Parses the `tweets` field of a checkpoint: `id:count:...` entries, comma-separated. */
export function checkpointTweetIds(tweets: string): string[] {
  return tweets ? tweets.split(',').map((entry) => entry.split(':')[0]) : [];
}

function duplicates<T>(values: readonly T[]): T[] {
  const seen = new Set<T>();
  const twice = new Set<T>();
  for (const value of values) (seen.has(value) ? twice : seen).add(value);
  return [...twice];
}

/** Every check of the brief, on one run's evidence. */
export function judge(input: VerdictInput): Verdict {
  const { tickMs, truth, files } = input;
  const last = files.at(-1);
  const inFile = new Map((last?.lines ?? []).map((l) => [l.tweetId, l.retweets]));
  const tracked = new Set(input.checkpointIds);

  // Lost: a tweet a followed user posted that is missing from the last file or from the workflow's state.
  const lostIds = truth.filter((t) => !inFile.has(t.id) || !tracked.has(t.id)).map((t) => t.id);

  const mismatches: CountMismatch[] = [];
  const goneMismatches: CountMismatch[] = [];
  for (const t of truth) {
    const count = inFile.get(t.id);
    if (count === undefined || count === t.retweetCount) continue;
    (t.status === 'live' ? mismatches : goneMismatches).push({
      tweetId: t.id,
      file: count,
      truth: t.retweetCount,
      status: t.status,
    });
  }
  const truthIds = new Set(truth.map((t) => t.id));
  const unknownIds = [...inFile.keys()].filter((id) => !truthIds.has(id));

  // Duplicates: two files claiming one minute (by their sidecar), a file off the tick grid, a minute ticked twice.
  const duplicateDetails: string[] = [];
  const claimed = files.map((f) => f.metaMinuteMs ?? f.minuteMs);
  for (const f of files) {
    if (f.metaMinuteMs !== undefined && f.metaMinuteMs !== f.minuteMs)
      duplicateDetails.push(`${f.name} holds minute ${f.metaMinuteMs}`);
    if (f.minuteMs % tickMs !== 0) duplicateDetails.push(`${f.name} is not on a tick boundary`);
  }
  for (const m of duplicates(claimed)) duplicateDetails.push(`two files hold minute ${m}`);
  for (const m of duplicates(input.ticks.scheduledMinutes))
    duplicateDetails.push(`minute ${m} was ticked twice in the workflow history`);
  for (const m of duplicates(input.ticks.completedMinutes))
    duplicateDetails.push(`minute ${m} completed twice in the workflow history`);

  // Gaps: tick boundaries between the first and the last file with no file, explained only by an outage of
  // the Temporal server or the worker (from one tick before it until one tick after it was back).
  const have = new Set(files.map((f) => f.minuteMs));
  const gaps: Verdict['gaps'] = [];
  if (files.length > 0) {
    for (let m = files[0].minuteMs; m <= last!.minuteMs; m += tickMs) {
      if (have.has(m)) continue;
      const outage = input.outages.find((o) => m >= o.downAt - tickMs && m <= (o.upAt ?? Infinity) + tickMs);
      gaps.push({
        minuteMs: m,
        explainedBy: outage ? `${outage.target} down ${new Date(outage.downAt).toISOString()}` : undefined,
      });
    }
  }
  const unexplainedGaps = gaps.filter((g) => !g.explainedBy).length;

  const injected = new Set(input.injectedKeys);
  const unexpected = input.deadLetters.filter((l) => l.key === null || !injected.has(l.key) || !l.reason);
  const foundKeys = new Set(input.deadLetters.map((l) => l.key));
  const missing = input.injectedKeys.filter((k) => !foundKeys.has(k));

  const above = mismatches.filter((m) => m.file > m.truth).length;
  const retweetsCountedTwice = Math.max(0, input.retweets.counted - input.retweets.released);
  return {
    lastFile: last?.name,
    lostTweets: lostIds.length,
    lostIds,
    doubleCounts: above + retweetsCountedTwice,
    retweetsCountedTwice,
    underCounts: mismatches.length - above,
    mismatches,
    goneMismatches,
    unknownIds,
    duplicateMinutes: duplicateDetails.length,
    duplicateDetails,
    unexplainedGaps,
    gaps,
    finalEqualsTruth: last !== undefined && lostIds.length === 0 && mismatches.length === 0 && unknownIds.length === 0,
    deadLetters: { expected: input.injectedKeys.length, found: input.deadLetters.length, unexpected, missing },
  };
}

/** True when the file has exactly the truth's tweets, live ones at X's count. */
export function lastFileEquals(
  lines: Array<{ tweetId: string; retweets: number }>,
  truth: Array<{ id: string; retweetCount: number; status: string }>,
): boolean {
  const inFile = new Map(lines.map((l) => [l.tweetId, l.retweets]));
  return (
    inFile.size === truth.length &&
    truth.every((t) => inFile.has(t.id) && (t.status !== 'live' || inFile.get(t.id) === t.retweetCount))
  );
}
