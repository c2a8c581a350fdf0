/**
 * RetweetTracking: the durable replacement of the 2018 Spark job's checkpointed state. Every tick (a minute by
 * default), on the boundary, it refreshes the retweet counts of every tracked tweet and writes a snapshot file;
 * every 15th tick it writes a top-5 report. Tweets arrive by signal from the Kafka bridge.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { leaderboard, status, tweetsObserved, type RetweetTrackingInput } from './definitions';
import { resolveOptions, type TrackingOptions } from './options';
import { TrackingState, type RunFacts } from './tracking-state';

export * from './definitions';

type Activities = ReturnType<typeof createActivities>;

function runFacts(): RunFacts {
  const { historyLength, historySize, continueAsNewSuggested } = workflowInfo();
  return { historyLength, historySize, continueAsNewSuggested };
}

function activitiesFor({ tickMs }: TrackingOptions) {
  const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' } as const;
  const { refreshAndSnapshot } = proxyActivities<Activities>({
    // A refresh is worth nothing once its tick is over (the next tick writes a fresher file), so the attempt
    // chain, retries and rate-limit waits included, is bounded by one tick; the tick then counts as failed.
    scheduleToCloseTimeout: tickMs,
    // Lookups heartbeat after every batch of 100 ids; a hung request is noticed in 20 s and retried.
    heartbeatTimeout: '20 seconds',
    retry,
  });
  const { enrichTopTweets } = proxyActivities<Activities>({
    // One lookup of at most 100 ids and two small files.
    startToCloseTimeout: '30 seconds',
    // Also one tick: a report that cannot be written by then is retried on the next tick rather than queued.
    scheduleToCloseTimeout: tickMs,
    retry,
  });
  return { refreshAndSnapshot, enrichTopTweets };
}

/** Tracks the retweet counts of the followed users' tweets, one snapshot per tick and a top-N report per period. */
export async function RetweetTracking(input: RetweetTrackingInput = {}): Promise<void> {
  const options = resolveOptions(input);
  const state = new TrackingState(options, input.carried);
  const { refreshAndSnapshot, enrichTopTweets } = activitiesFor(options);

  setHandler(tweetsObserved, (batch) => state.observe(batch));
  setHandler(leaderboard, (limit) => state.leaderboard(limit));
  setHandler(status, () => state.status(Date.now(), runFacts()));

  // The report runs beside the ticks, so a slow X lookup for it never delays a snapshot.
  let reportRunning = false;
  const startReport = (atMs: number): void => {
    reportRunning = true;
    state.reportStarted();
    enrichTopTweets(state.enrichInput(atMs))
      .then(
        (result) => state.applyReport(result, atMs),
        (error: unknown) => state.recordReportFailure(error),
      )
      .finally(() => (reportRunning = false))
      .catch(() => undefined); // nothing left to reject: both outcomes are handled above
  };

  // Continue-As-New only between ticks and with no report in flight: nothing running is lost in the switch.
  const timeToContinue = (): boolean => !reportRunning && state.shouldContinueAsNew(runFacts());

  for (;;) {
    const waitMs = state.nextTickMs(Date.now()) - Date.now();
    // Waits for the tick boundary, or less when the history or signal count calls for a new run first.
    if (waitMs > 0 && (await condition(timeToContinue, waitMs))) break;

    const minuteMs = state.beginTick(Date.now());
    try {
      state.applyRefresh(await refreshAndSnapshot(state.refreshInput(minuteMs)));
    } catch (error) {
      if (isCancellation(error)) throw error;
      state.recordTickFailure(error);
    }
    if (state.reportDue() && !reportRunning) startReport(minuteMs);
    if (timeToContinue()) break;
  }

  // Signal handlers are synchronous today; waiting keeps it correct if one ever awaits.
  await condition(allHandlersFinished);
  await continueAsNew<typeof RetweetTracking>({ ...input, carried: state.carry() });
}
