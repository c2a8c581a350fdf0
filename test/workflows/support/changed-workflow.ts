/**
 * A deliberately non-deterministic change of RetweetTracking (an extra timer before the first tick), exported
 * under the same type name: the replay test proves the fixture catches such a change.
 */
import { sleep } from '@temporalio/workflow';
import { RetweetTracking as original, type RetweetTrackingInput } from '../../../src/workflows';

export async function RetweetTracking(input: RetweetTrackingInput = {}): Promise<void> {
  await sleep('1 second');
  return original(input);
}
