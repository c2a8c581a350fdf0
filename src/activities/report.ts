import type { TweetInfo } from '../x/types';
import type { ReportEntry } from './types';

/** Picks the first `topSize` candidates X still has, in rank order: a gone tweet yields its place to the next. */
export function pickTop(
  candidates: ReadonlyArray<readonly [string, number]>,
  found: ReadonlyMap<string, TweetInfo>,
  topSize: number,
): ReportEntry[] {
  const entries: ReportEntry[] = [];
  for (const [tweetId, retweets] of candidates) {
    if (entries.length >= topSize) break;
    const tweet = found.get(tweetId);
    if (!tweet) continue;
    entries.push({
      rank: entries.length + 1,
      tweetId,
      retweets,
      authorId: tweet.authorId,
      screenName: tweet.authorUsername,
      text: tweet.text,
    });
  }
  return entries;
}

/** The original job's report lines: `@screen_name tweeted in #id:` followed by the full text. */
export function reportText(entries: readonly ReportEntry[]): string {
  return entries.map((e) => `@${e.screenName} tweeted in #${e.tweetId}:\n${e.text}\n`).join('\n');
}

/** The machine-readable report: when, and the ranked entries. */
export function reportJson(atMs: number, entries: readonly ReportEntry[]): string {
  return `${JSON.stringify({ at: new Date(atMs).toISOString(), atMs, top: entries }, null, 2)}\n`;
}
