import { formatBatchTime } from '../domain/batch-time';
import { decodeCounts, encodeCounts } from '../domain/compact-counts';
import { formatCountLine, rankByRetweets, type TweetCount } from '../domain/ranking';
import type { CountChange } from '../kafka/changelog-record';
import type { LookupReport } from '../x/lookup-pool';
import type { RefreshInput, RefreshInputOf020 } from './types';

/** The file of one tick: every tweet ranked, the X counts that changed, and the changelog rows. */
export interface MergedCounts {
  ranked: TweetCount[];
  /** `id:count,...` of looked-up tweets whose X count differs from the input. */
  changed: string;
  /** Tweets whose count differs from the previous file (new tweets included). */
  rows: CountChange[];
}

/** The lookup list of the input: its first `lookupCount` ids, highest priority first. */
export function lookupIds(input: RefreshInput): string[] {
  return decodeCounts(input.counts)
    .slice(0, input.lookupCount)
    .map(([id]) => id);
}

/**
 * Merges what X answered into the input counts: answered tweets take X's number (which may be lower), the others
 * keep theirs. The previous file's count (`previous`, -1 for a tweet new to the file) gives each row its change.
 */
export function mergeCounts(input: RefreshInput, report: LookupReport): MergedCounts {
  const fresh = new Map(report.tweets.map((tweet) => [tweet.id, tweet]));
  const previous = new Map(decodeCounts(input.previous));
  // An id X refuses as malformed is no tweet: it leaves the file at once (the workflow stops tracking it).
  const invalid = new Set(report.invalidIds);
  const ranked: TweetCount[] = [];
  const changed: Array<[string, number]> = [];
  const rows: CountChange[] = [];
  for (const [tweetId, count] of decodeCounts(input.counts)) {
    if (invalid.has(tweetId)) continue;
    const tweet = fresh.get(tweetId);
    const retweets = tweet?.retweetCount ?? count;
    if (tweet && retweets !== count) changed.push([tweetId, retweets]);
    ranked.push({ tweetId, retweets });
    const before = previous.get(tweetId) ?? count;
    if (before < 0 || retweets !== before) {
      rows.push({
        tweetId,
        count: retweets,
        delta: retweets - Math.max(before, 0),
        ...(tweet ? { authorId: tweet.authorId } : {}),
      });
    }
  }
  return { ranked: rankByRetweets(ranked), changed: encodeCounts(changed), rows };
}

/** The snapshot file body: one `(tweet_id, retweets)` line per tweet, as Spark's saveAsTextFiles wrote them. */
export function snapshotText(ranked: readonly TweetCount[]): string {
  return ranked.map((line) => `${formatCountLine(line)}\n`).join('');
}

/** What the original job printed each batch: Spark's pprint block with a `Time:` header and the top lines. */
export function pprintText(tickMs: number, ranked: readonly TweetCount[], lines: number): string {
  const rule = '-------------------------------------------';
  const body = ranked.slice(0, lines).map(formatCountLine);
  if (ranked.length > lines) body.push('...');
  return [rule, `Time: ${formatBatchTime(tickMs)}`, rule, ...body, ''].join('\n');
}

/** The sidecar `counts-<minute>.meta.json`: how fresh the file is and what it cost, never in the file's lines. */
export function snapshotMeta(input: RefreshInput, report: LookupReport, ranked: readonly TweetCount[]): string {
  const answered = input.lookupCount - report.notLookedUp.length - report.invalidIds.length;
  return `${JSON.stringify(
    {
      minute: new Date(input.tickMs).toISOString(),
      minuteMs: input.tickMs,
      tweets: ranked.length,
      planned: input.lookupCount,
      lookedUp: Math.max(answered, 0),
      notLookedUp: report.notLookedUp.length,
      gone: report.goneIds.length,
      invalid: report.invalidIds.length,
      requests: report.requests,
      refused: report.refused,
      budgetRequests: input.plan.budgetRequests,
      overdue: input.plan.overdue,
      staleMinutesBefore: input.plan.staleMinutes,
      rateLimit: report.rateLimit ?? null,
      stoppedBy: report.stoppedBy ?? null,
    },
    null,
    2,
  )}\n`;
}

/** The input in this release's shape, whichever release's workflow scheduled it. */
export function currentRefreshInput(input: RefreshInput | RefreshInputOf020): RefreshInput {
  if ('tickMs' in input) return input;
  const { minuteMs, ...rest } = input;
  return { ...rest, tickMs: minuteMs };
}
