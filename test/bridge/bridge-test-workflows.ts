/** A stand-in for RetweetTracking in the bridge tests: it records every `tweetsObserved` batch as it arrived. */
import { condition, defineQuery, setHandler } from '@temporalio/workflow';
import type { ObservedTweet } from '../../src/domain/observed-tweet';
import { tweetsObserved } from '../../src/workflows/definitions';

export const receivedBatches = defineQuery<ObservedTweet[][]>('receivedBatches');

/** Runs until terminated; answers `receivedBatches` with the signal arguments in arrival order. */
export async function bridgeTestRecorder(): Promise<void> {
  const batches: ObservedTweet[][] = [];
  setHandler(tweetsObserved, (batch) => {
    batches.push(batch);
  });
  setHandler(receivedBatches, () => batches);
  await condition(() => false);
}
