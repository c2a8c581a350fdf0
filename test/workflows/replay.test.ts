import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleTracking, quietRuntime } from './support/env';

/** Recorded by test/workflows/support/record-history.ts: 15 ticks, a report, signals, Continue-As-New. */
const FIXTURE = join(__dirname, '..', 'fixtures', 'retweet-tracking-history.json');

async function loadHistory(): Promise<temporal.api.history.v1.History> {
  return temporal.api.history.v1.History.fromObject(JSON.parse(await readFile(FIXTURE, 'utf8')) as Record<string, unknown>);
}

describe('RetweetTracking replay', () => {
  beforeAll(() => quietRuntime());

  it('replays the recorded history with the current workflow code', async () => {
    const history = await loadHistory();
    expect(history.events.length).toBeGreaterThan(100);
    await expect(Worker.runReplayHistory({ workflowBundle: await bundleTracking() }, history, 'replay-fixture')).resolves.toBeUndefined();
  });

  it('fails on a change that breaks determinism (the fixture can catch one)', async () => {
    const changed = await bundleWorkflowCode({ workflowsPath: require.resolve('./support/changed-workflow'), logger: new DefaultLogger('WARN') });
    await expect(Worker.runReplayHistory({ workflowBundle: changed }, await loadHistory(), 'replay-fixture')).rejects.toThrow(DeterminismViolationError);
  });
});
