import { Context } from '@temporalio/activity';
import { createLog } from '../shared/log';
import { outputDirFor } from '../shared/output-dirs';
import { join } from 'node:path';
import { formatBatchTime } from '../domain/batch-time';
import { decodeCounts } from '../domain/compact-counts';
import type { CountsChangelog } from '../kafka/changelog';
import { lookupAll } from '../x/lookup-pool';
import type { TweetInfo, TweetLookup } from '../x/types';
import { toActivityFailure } from './failures';
import { writeFileAtomic } from './files';
import { CountsPublisher, decodeChanges, settlesWithin } from './publish-counts';
import { pickTop, reportJson, reportText } from './report';
import { currentRefreshInput, lookupIds, mergeCounts, pprintText, snapshotMeta, snapshotText } from './snapshot';
import type { EnrichInput, EnrichResult, RefreshInput, RefreshResult } from './types';

export type * from './types';
export { RATE_LIMITED, X_REFUSED } from './failures';

/** Diagnostics of the activities; the product's printed output goes through the workflow, once per tick. */
export interface ActivityLog {
  info(message: string, meta?: Record<string, unknown>): void;
  warn?(message: string, meta?: Record<string, unknown>): void;
}

/** What the activities report to the worker's metrics: facts of each file written. Absent, nothing is counted. */
export interface ActivityMetrics {
  /** A tick's file was written at `writtenAtMs` (its boundary: `tickMs`) with `tweets` tracked tweets in it. */
  tickWritten(facts: { tickMs: number; writtenAtMs: number; tweets: number }): void;
  reportWritten(): void;
  /** After each refresh: ticks whose changelog rows Kafka has not confirmed yet (0: the changelog is current). */
  changelogUnconfirmed(ticks: number): void;
}

export interface ActivityDeps {
  x: TweetLookup;
  snapshotDir: string;
  reportDir: string;
  clock: { now(): number };
  log: ActivityLog;
  /** The counts changelog (`retweet-counts`, `retweet-reports`); absent, nothing is published. */
  changelog?: CountsChangelog;
  metrics?: ActivityMetrics;
}

/** The worker's log with `component: 'activities'` (stderr): `npm run worker | tee` keeps only what the original printed. */
export const activityLog = (): ActivityLog => createLog('worker', { component: 'activities' });

/**
 * A workflow's own folder under `baseDir`: two tracking workflows (a demo beside the real run, a test beside a
 * user's) never write the same paths. Outside an activity (a script, a unit test), `baseDir` itself.
 */
function workflowDir(baseDir: string, context: Context | undefined): string {
  const workflowId = context?.info.workflowExecution?.workflowId;
  return workflowId ? outputDirFor(baseDir, workflowId) : baseDir;
}

/** How long an activity waits for the changelog at least, even past its lookup deadline. */
const CHANGELOG_MIN_WAIT_MS = 1_000;

function inActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (a script or a unit test)
  }
}

/** Builds the tracking activities around their dependencies, so tests can substitute the outside world. */
export function createActivities({ x, snapshotDir, reportDir, clock, log, changelog, metrics }: ActivityDeps) {
  async function withFailureMapping<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toActivityFailure(error, clock.now());
    }
  }
  const counts = changelog ? new CountsPublisher(changelog) : undefined;

  // Arrow properties, not methods: the worker and tests pass them around detached from this object.
  return {
    /**
     * Looks up the planned tweets within the tick's budget and deadline, writes `counts-<minute>.txt` and its
     * sidecar whatever X answered (unanswered tweets keep their last count), publishes the changed counts.
     */
    refreshAndSnapshot: (scheduled: RefreshInput): Promise<RefreshResult> =>
      withFailureMapping(async () => {
        // Typed as this release's input; a 0.2.0 workflow's payload (`minuteMs`) is read too.
        const input = currentRefreshInput(scheduled);
        const context = inActivity();
        const report = await lookupAll(x, lookupIds(input), {
          signal: context?.cancellationSignal,
          deadlineMs: input.deadlineMs,
          maxRequests: input.maxRequests,
          now: () => clock.now(),
          onProgress: (done, total) => context?.heartbeat({ done, total }),
        });
        const { ranked, changed, rows } = mergeCounts(input, report);
        // A late attempt (its tick given up, a newer attempt started) must not replace what a newer one wrote.
        const current = (): boolean => !context?.cancellationSignal.aborted;
        const file = join(workflowDir(snapshotDir, context), `counts-${input.tickMs}`);
        const written = await writeFileAtomic(`${file}.txt`, snapshotText(ranked), current);
        if (written) metrics?.tickWritten({ tickMs: input.tickMs, writtenAtMs: clock.now(), tweets: ranked.length });
        await writeFileAtomic(`${file}.meta.json`, snapshotMeta(input, report, ranked), current);
        const earlier = (input.unpublished ?? []).map(({ tickMs, rows }) => ({ tickMs, rows: decodeChanges(rows) }));
        const unpublished = counts
          ? await counts.publish(
              context?.info.workflowExecution?.workflowId ?? '',
              [...earlier, { tickMs: input.tickMs, rows }],
              Math.max(input.deadlineMs - clock.now(), CHANGELOG_MIN_WAIT_MS),
            )
          : [];
        metrics?.changelogUnconfirmed(unpublished.length);
        if (unpublished.length > 0) {
          log.warn?.('changelog delayed: Kafka has not taken the rows yet; the workflow keeps them for the next tick', {
            tick: input.tickMs,
            ticksUnconfirmed: unpublished.length,
          });
        }
        log.info('snapshot written', {
          workflowId: context?.info.workflowExecution?.workflowId,
          tick: formatBatchTime(input.tickMs),
          tweets: ranked.length,
          lookedUp: input.lookupCount - report.notLookedUp.length,
          requests: report.requests,
          refused: report.refused,
          lagMs: clock.now() - input.tickMs,
        });
        return {
          changed,
          notLookedUp: report.notLookedUp.join(','),
          gone: report.goneIds,
          invalid: report.invalidIds,
          requests: report.requests,
          refused: report.refused,
          ...(report.rateLimit ? { rateLimit: report.rateLimit } : {}),
          ...(report.refusedUntilMs ? { refusedUntilMs: report.refusedUntilMs } : {}),
          ...(report.stoppedBy ? { stoppedBy: report.stoppedBy } : {}),
          ...(report.lastError ? { lastError: report.lastError } : {}),
          printed: pprintText(input.tickMs, ranked, input.printLines),
          ...(unpublished.length > 0 ? { unpublished } : {}),
        };
      }),

    /** Looks up screen names and texts of the top candidates, writes the `top5-<ms>` report and publishes it. */
    enrichTopTweets: (input: EnrichInput): Promise<EnrichResult> =>
      withFailureMapping(async () => {
        const candidates = decodeCounts(input.candidates);
        const result = candidates.length
          ? await x.lookupTweets(candidates.map(([id]) => id))
          : { tweets: [], goneIds: [] };
        const found = new Map<string, TweetInfo>(result.tweets.map((t) => [t.id, t]));
        const entries = pickTop(candidates, found, input.topSize);
        const fileBase = `top5-${input.atMs}`;
        const text = reportText(entries);
        const dir = workflowDir(reportDir, inActivity());
        await writeFileAtomic(join(dir, `${fileBase}.json`), reportJson(input.atMs, entries));
        await writeFileAtomic(join(dir, `${fileBase}.txt`), text);
        metrics?.reportWritten();
        if (
          changelog &&
          !(await settlesWithin(changelog.publishReport({ atMs: input.atMs, entries }), CHANGELOG_MIN_WAIT_MS))
        ) {
          log.warn?.('report changelog delayed: Kafka has not taken it yet; it follows when it does', {
            atMs: input.atMs,
          });
        }
        return {
          entries,
          gone: result.goneIds,
          fileBase,
          printed: `Top ${input.topSize} at ${formatBatchTime(input.atMs)}\n${text}`,
        };
      }),
  };
}

export type TrackingActivities = ReturnType<typeof createActivities>;
