/**
 * The change of changed-workflow.ts (the memo records the release as a run starts) made the compatible way:
 * behind `patched()`. A run recorded without the patch marker replays the old path; a run that starts on this
 * code records the marker and takes the new one. Exported under the same type name, as a real release would be.
 */
import { patched, upsertMemo } from '@temporalio/workflow';
import { RetweetTracking as original, type RetweetTrackingInput } from '../../../src/workflows';
import { MEMO_CHANGE } from './changed-workflow';

export const MEMO_PATCH = 'memo-records-release';

export async function RetweetTracking(input: RetweetTrackingInput = {}): Promise<void> {
  if (patched(MEMO_PATCH)) upsertMemo(MEMO_CHANGE);
  return original(input);
}
