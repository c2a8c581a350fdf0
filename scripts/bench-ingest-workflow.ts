/** The workflow `npm run bench:ingest` signals: it counts the tweets it receives, like a minimal RetweetTracking. */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { tweetsObserved } from '../src/workflows/definitions';

export interface BenchCounts {
  tweets: number;
  signals: number;
}

export const benchCounts = defineQuery<BenchCounts>('benchCounts');

/** Counts tweets and signals; continues as new before the history grows large (the one-per-tweet run makes many). */
export async function benchIngest(carried: Partial<BenchCounts> = {}): Promise<void> {
  const counts: BenchCounts = { tweets: carried.tweets ?? 0, signals: carried.signals ?? 0 };
  setHandler(tweetsObserved, (batch) => {
    counts.tweets += batch.length;
    counts.signals++;
  });
  setHandler(benchCounts, () => counts);
  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 8000);
  await condition(allHandlersFinished);
  await continueAsNew<typeof benchIngest>(counts);
}
