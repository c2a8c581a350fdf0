/**
 * Every history a release recorded (test/fixtures/histories/<release>-<scenario>.json, `npm run record:history`)
 * must replay with the current workflow code: a running RetweetTracking moves to a new worker version at its next
 * workflow task (AUTO_UPGRADE), so code that cannot replay its history would fail it mid-run.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Worker,
  type ReplayResult,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleTracking, quietRuntime } from './support/env';
import { HISTORIES_DIR } from './support/histories';

interface RecordedHistory {
  /** The file name, used as the workflow id so a failure names its history. */
  workflowId: string;
  history: temporal.api.history.v1.History;
}

async function recordedHistories(): Promise<RecordedHistory[]> {
  const names = (await readdir(HISTORIES_DIR)).filter((name) => name.endsWith('.json')).sort();
  return Promise.all(
    names.map(async (name) => ({
      workflowId: name,
      history: temporal.api.history.v1.History.fromObject(
        JSON.parse(await readFile(join(HISTORIES_DIR, name), 'utf8')) as Record<string, unknown>,
      ),
    })),
  );
}

/** Replays every recorded history with the bundle; the outcome per file: 'ok' or the error's class and message. */
async function replayAll(workflowBundle: WorkflowBundleWithSourceMap): Promise<Record<string, string>> {
  const outcomes: Record<string, string> = {};
  const results: AsyncIterable<ReplayResult> = Worker.runReplayHistories({ workflowBundle }, await recordedHistories());
  for await (const { workflowId, error } of results) {
    outcomes[workflowId] = error
      ? `${error instanceof DeterminismViolationError ? 'DeterminismViolationError' : error.name}: ${error.message}`
      : 'ok';
  }
  return outcomes;
}

const variant = (file: string) =>
  bundleWorkflowCode({ workflowsPath: require.resolve(`./support/${file}`), logger: new DefaultLogger('WARN') });

describe('RetweetTracking replay over the histories of every release', () => {
  let files: string[];
  beforeAll(async () => {
    quietRuntime();
    files = (await recordedHistories()).map((h) => h.workflowId);
  });

  it('has histories to replay: a first run and a run continued with carried state, each closed by Continue-As-New', async () => {
    expect(files).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/-first-run\.json$/),
        expect.stringMatching(/-carried-run\.json$/),
      ]),
    );
    for (const { workflowId, history } of await recordedHistories()) {
      expect({ workflowId, last: history.events.at(-1)?.eventType }).toEqual({
        workflowId,
        last: temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
      });
    }
  });

  it('replays every recorded history with the current workflow code', async () => {
    const outcomes = await replayAll(await bundleTracking());
    expect(outcomes).toEqual(Object.fromEntries(files.map((file) => [file, 'ok'])));
  });

  it('refuses an incompatible change: a memo written as a run starts fails every history', async () => {
    const outcomes = await replayAll(await variant('changed-workflow'));
    expect(Object.keys(outcomes)).toEqual(files);
    // The memo change where the history has the first tick's timer: the change itself, not some other failure.
    for (const outcome of Object.values(outcomes))
      expect(outcome).toMatch(
        /^DeterminismViolationError: .*ModifyWorkflowProperties\w* does not handle HistoryEvent\(id: \d+, TimerStarted\)/,
      );
  });

  it('accepts the same change behind patched(): every history replays', async () => {
    const outcomes = await replayAll(await variant('patched-workflow'));
    expect(outcomes).toEqual(Object.fromEntries(files.map((file) => [file, 'ok'])));
  });
});
