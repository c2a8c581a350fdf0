/**
 * RetweetTracking: the durable replacement of the 2018 Spark job's checkpointed state. Every tick (a minute by
 * default), on the boundary, it refreshes the retweet counts it can within X's budget and writes a snapshot file;
 * every 15th tick it writes a top-5 report. Tweets arrive by signal from the Kafka bridge.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { formatBatchTime } from '../domain/batch-time';
import { formatCountLine } from '../domain/ranking';
import {
  checkpoint,
  follow,
  followedUsers,
  leaderboard,
  status,
  tweetsObserved,
  unfollow,
  watermarksAdvanced,
  type RetweetTrackingInput,
} from './definitions';
import { resolveOptions, type TrackingOptions } from './options';
import { output } from './output';
import { TrackingState, type RunFacts } from './tracking-state';

export * from './definitions';

/** Histories recorded before event-time windows close their ticks at once; new ones may wait for the watermark. */
const EVENT_TIME_PATCH = 'event-time-watermarks';
/** Histories recorded before this fire the reports a long gap skipped past at once; new ones skip them. */
const SKIP_GAP_REPORTS_PATCH = 'skip-reports-of-gaps';

type Activities = ReturnType<typeof createActivities>;

function runFacts(): RunFacts {
  const { historyLength, historySize, continueAsNewSuggested } = workflowInfo();
  return { historyLength, historySize, continueAsNewSuggested };
}

const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' } as const;

/** The tick's refresh, with a summary the Web UI shows beside the activity. */
function refreshActivity({ tickMs }: TrackingOptions, summary: string) {
  return proxyActivities<Activities>({
    // A refresh is worth nothing once its tick is over (the next tick writes a fresher file), so the attempt
    // chain is bounded by one tick; the activity itself stops looking up at 3/4 of it to write its file in time.
    scheduleToCloseTimeout: tickMs,
    // Lookups heartbeat after every request (each has a 10 s timeout); a hung worker is noticed in 30 s.
    heartbeatTimeout: '30 seconds',
    retry,
    summary,
  }).refreshAndSnapshot;
}

function reportActivity({ tickMs }: TrackingOptions, summary: string) {
  return proxyActivities<Activities>({
    // One lookup of at most 100 ids and two small files.
    startToCloseTimeout: '30 seconds',
    // Also one tick: a report that cannot be written by then is retried on the next tick rather than queued.
    scheduleToCloseTimeout: tickMs,
    retry,
    summary,
  }).enrichTopTweets;
}

/** What the Web UI shows as the workflow's current details: the last tick and the current top tweets. */
function details(state: TrackingState, nowMs: number): string {
  const s = state.status(nowMs, runFacts());
  const top = state.leaderboard(5).map(formatCountLine).join('\n');
  const last = s.lastTickMs === undefined ? 'none yet' : formatBatchTime(s.lastTickMs);
  return [
    `**Last tick** ${last} UTC · **tracked** ${s.trackedTweets} · **followed** ${s.followedUserIds.length}`,
    `**X today** ${s.xRequestsToday} requests, ${s.billedPostReadsToday} billed reads (~$${s.estimatedCostUsdToday})`,
    `**Missed/failed ticks** ${s.missedTicks}/${s.failedTicks} · **overdue** ${s.overdueTweets}`,
    `**Event time** files closed up to ${s.closedUpToMs === undefined ? 'none yet' : formatBatchTime(s.closedUpToMs)} · **watermark** ${s.watermarkMs === undefined ? 'none' : formatBatchTime(s.watermarkMs)} · **late tweets** ${s.lateTweets}`,
    '',
    '**Top 5**',
    top || '(nothing tracked yet)',
  ].join('\n');
}

/** Tracks the retweet counts of the followed users' tweets, one snapshot per tick and a top-N report per period. */
export async function RetweetTracking(input: RetweetTrackingInput = {}): Promise<void> {
  const options = resolveOptions(input);
  const state = new TrackingState(options, input.carried);

  setHandler(tweetsObserved, (batch) => state.observe(batch, Date.now()));
  setHandler(watermarksAdvanced, (report) => state.observeWatermarks(report, Date.now()));
  setHandler(leaderboard, (limit) => state.leaderboard(limit));
  setHandler(status, () => state.status(Date.now(), runFacts()));
  setHandler(followedUsers, () => state.followedUserIds());
  setHandler(checkpoint, () => state.carry(Date.now()));
  setHandler(follow, (ids) => state.follow(ids), { validator: (ids) => state.validateUserIds(ids) });
  setHandler(unfollow, (ids) => state.unfollow(ids), { validator: (ids) => state.validateUserIds(ids) });

  // The report runs beside the ticks, so a slow X lookup for it never delays a snapshot.
  let reportRunning = false;
  const startReport = (atMs: number): void => {
    reportRunning = true;
    state.reportStarted();
    reportActivity(
      options,
      `top-${options.topSize} report for ${formatBatchTime(atMs)} UTC`,
    )(state.enrichInput(atMs))
      .then(
        (result) => {
          state.applyReport(result, atMs);
          output.print(result.printed);
        },
        (error: unknown) => state.recordReportFailure(error),
      )
      .finally(() => (reportRunning = false))
      .catch(() => undefined); // nothing left to reject: both outcomes are handled above
  };

  // Continue-As-New only between ticks and with no report in flight: nothing running is lost in the switch.
  const timeToContinue = (): boolean => !reportRunning && state.shouldContinueAsNew(runFacts());

  for (;;) {
    const nextMs = state.nextTickMs(Date.now());
    const waitMs = nextMs - Date.now();
    // Waits for the tick boundary, or less when the history or signal count calls for a new run first.
    if (waitMs > 0 && (await condition(timeToContinue, waitMs, { summary: `tick at ${formatBatchTime(nextMs)} UTC` })))
      break;

    const tickMs = state.beginTick(Date.now(), patched(SKIP_GAP_REPORTS_PATCH));
    // Event time: the file holds the tweets posted before the boundary, so it waits until the stream's watermark
    // says they all arrived, at most the allowed lateness. No watermarks (an older producer, a replay): no wait.
    let byLateness = false;
    if (!state.watermarkPassed(tickMs) && state.watermarksFlowing(Date.now()) && patched(EVENT_TIME_PATCH)) {
      const waitMs = tickMs + options.allowedLatenessMs - Date.now();
      byLateness = !(await condition(() => state.watermarkPassed(tickMs), Math.max(waitMs, 1), {
        summary: 'watermark',
      }));
      // No worker ran while it waited, and the next boundary has passed: this one is missed, not written stale.
      if (Date.now() >= tickMs + options.tickMs) {
        state.missTick();
        continue;
      }
    }
    state.closeWindow(tickMs, byLateness);
    const refreshInput = state.refreshInput(tickMs, Date.now());
    const summary = `${formatBatchTime(tickMs)} UTC: look up ${refreshInput.lookupCount} tweets, file of ${refreshInput.counts ? refreshInput.counts.split(',').length : 0}`;
    try {
      const result = await refreshActivity(options, summary)(refreshInput);
      state.applyRefresh(result, tickMs, Date.now());
      output.print(result.printed);
      if (result.stoppedBy)
        log.warn('lookups stopped early; unanswered tweets keep their counts', {
          stoppedBy: result.stoppedBy,
          notLookedUp: refreshInput.lookupCount,
        });
    } catch (error) {
      if (isCancellation(error)) throw error;
      state.recordTickFailure(error);
      log.warn('tick failed: no file for this tick', { tick: formatBatchTime(tickMs), error: String(error) });
    }
    if (state.reportDue() && !reportRunning) startReport(tickMs);
    setCurrentDetails(details(state, Date.now()));
    if (timeToContinue()) break;
  }

  // Let update and signal handlers finish before the run hands over.
  await condition(allHandlersFinished);
  await continueAsNew<typeof RetweetTracking>({ ...input, carried: state.carry(Date.now()) });
}
