/**
 * A deliberately incompatible change of RetweetTracking, exported under the same type name: a release that
 * records itself in the workflow's memo as a run starts. Replayed over a history recorded before it, the first
 * command (a memo change) no longer matches the history's (the first tick's timer): the replay test proves the
 * recorded histories catch that. patched-workflow.ts makes the same change the compatible way.
 *
 * Why not an extra timer: a timer before the first tick replays cleanly over a history whose run also starts
 * with a timer (the tick wait then just ends at once), so it would not prove anything.
 */
import { upsertMemo } from '@temporalio/workflow';
import { RetweetTracking as original, type RetweetTrackingInput } from '../../../src/workflows';

export const MEMO_CHANGE = { trackerRelease: 'next' };

export async function RetweetTracking(input: RetweetTrackingInput = {}): Promise<void> {
  upsertMemo(MEMO_CHANGE);
  return original(input);
}
