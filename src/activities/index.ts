import { join } from 'node:path';
import { decodeCounts } from '../domain/compact-counts';
import type { TweetInfo, TweetLookup } from '../x/types';
import { formatBatchTime, writeFileAtomic } from './files';
import { toActivityFailure } from './failures';
import { pickTop, reportJson, reportText } from './report';
import { liveIds, lookupCounts, mergeCounts, pprintText, snapshotText } from './snapshot';
import type { EnrichInput, EnrichResult, RefreshInput, RefreshResult } from './types';

export type * from './types';
export { RATE_LIMITED, X_REFUSED } from './failures';

/** Where printed output and diagnostics go; the worker passes the console, tests pass a recorder. */
export interface ActivityLog {
  /** The product's printed output (the pprint block, the top-5 report), verbatim. */
  print(text: string): void;
  info(message: string, meta?: Record<string, unknown>): void;
}

export interface ActivityDeps {
  x: TweetLookup;
  snapshotDir: string;
  reportDir: string;
  clock: { now(): number };
  log: ActivityLog;
}

/** Printed output on stdout, diagnostics on stderr: `npm run worker | tee` keeps only what the original printed. */
export const consoleActivityLog: ActivityLog = {
  print: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  info: (message, meta) => console.error(`[activities] ${message}`, meta ? JSON.stringify(meta) : ''),
};

/** Builds the tracking activities around their dependencies, so tests can substitute the outside world. */
export function createActivities({ x, snapshotDir, reportDir, clock, log }: ActivityDeps) {
  async function withFailureMapping<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toActivityFailure(error, clock.now());
    }
  }

  // Arrow properties, not methods: the worker and tests pass them around detached from this object.
  return {
    /** Refreshes every tracked count from X, writes `counts-<minute>.txt`, prints the top lines, returns changes. */
    refreshAndSnapshot: (input: RefreshInput): Promise<RefreshResult> =>
      withFailureMapping(async () => {
        const fresh = await lookupCounts(x, liveIds(input));
        const { ranked, changed } = mergeCounts(input, fresh);
        await writeFileAtomic(join(snapshotDir, `counts-${input.minuteMs}.txt`), snapshotText(ranked));
        log.print(pprintText(input.minuteMs, ranked, input.printLines));
        log.info('snapshot written', { minute: formatBatchTime(input.minuteMs), tweets: ranked.length, lagMs: clock.now() - input.minuteMs });
        return { changed, gone: fresh.gone, written: ranked.length };
      }),

    /** Looks up screen names and texts of the top candidates, prints and writes the `top5-<ms>` report. */
    enrichTopTweets: (input: EnrichInput): Promise<EnrichResult> =>
      withFailureMapping(async () => {
        const candidates = decodeCounts(input.candidates);
        const result = candidates.length ? await x.lookupTweets(candidates.map(([id]) => id)) : { tweets: [], goneIds: [] };
        const found = new Map<string, TweetInfo>(result.tweets.map((t) => [t.id, t]));
        const entries = pickTop(candidates, found, input.topSize);
        const fileBase = `top5-${input.atMs}`;
        const text = reportText(entries);
        await writeFileAtomic(join(reportDir, `${fileBase}.json`), reportJson(input.atMs, entries));
        await writeFileAtomic(join(reportDir, `${fileBase}.txt`), text);
        log.print(`Top ${input.topSize} at ${formatBatchTime(input.atMs)}\n${text}`);
        return { entries, gone: result.goneIds, fileBase };
      }),
  };
}

export type TrackingActivities = ReturnType<typeof createActivities>;
