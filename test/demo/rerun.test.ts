import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runKafkaNames } from '../../src/demo/demo-run';
import { testKafka } from '../kafka/helpers';
import { closeRun, startDemo, waitUntil, type DemoProcess } from './demo-process';

/**
 * Demo runs never mix: the same scenario demo started twice is two fresh runs (own workflow id, task queue, topics,
 * folders), the second closes the first, and both write the same files, minute for minute. Scenario minute k ends
 * on the tick boundary T0 + k ticks (the demo prints T0), so file k of each run is the one named by that boundary.
 *
 * Byte-equal files need event-time watermarks (a tweet counted in the file of the minute it was posted in, whatever
 * its arrival latency): without them a file may miss the tweets of the minute that just ended.
 */
// The pace `npm run demo -- --tick-seconds 2` advertises.
const TICK_SECONDS = 2;
const SCENARIO = join(__dirname, 'fixtures/rerun.json');
/** The scenario scripts minutes 0 to 4: file k holds the end of minute k - 1. */
const FILES = 5;

interface RunResult {
  workflowId: string;
  /** File k (1-based) of the run: the snapshot at the end of scenario minute k - 1. */
  contents: string[];
}

async function runScenarioDemo(): Promise<RunResult> {
  const demo: DemoProcess = await startDemo([
    '--scenario',
    SCENARIO,
    '--tick-seconds',
    String(TICK_SECONDS),
    '--seed',
    '1',
  ]);
  try {
    await waitUntil(
      demo,
      'the scenario start time',
      () => demo.lines.some((line) => line.startsWith('Scenario minute 0 starts at ')),
      30_000,
    );
    const t0 = Date.parse(
      demo.lines
        .find((line) => line.startsWith('Scenario minute 0 starts at '))!
        .slice('Scenario minute 0 starts at '.length),
    );
    const fileOf = (k: number): string | undefined =>
      demo.snapshotFiles().find((file) => file.endsWith(`counts-${t0 + k * TICK_SECONDS * 1000}.txt`));
    await waitUntil(demo, `the file of scenario minute ${FILES - 1}`, () => fileOf(FILES) !== undefined, 60_000);
    const contents = Array.from({ length: FILES }, (_, i) => {
      const file = fileOf(i + 1);
      return file && existsSync(file) ? readFileSync(file, 'utf8') : '(no file)';
    });
    return { workflowId: demo.workflowId()!, contents };
  } finally {
    const code = await demo.stop();
    if (code !== 0) console.log(`demo exited with ${code}:\n${demo.lines.join('\n')}`);
  }
}

let first: RunResult;
let second: RunResult;
let firstStatusAfterSecond: string;
let topicsLeft: string[];

beforeAll(async () => {
  first = await runScenarioDemo();
  second = await runScenarioDemo();
  firstStatusAfterSecond = await closeRun(first.workflowId);
  const admin = (await testKafka()).admin();
  await admin.connect();
  topicsLeft = await admin.listTopics().finally(() => admin.disconnect());
  // The last run stays open until the next start closes it: this test leaves none behind.
  await closeRun(second.workflowId);
}, 240_000);

test('each start is a fresh run of its own, and the next start of the same scenario and tick closes the earlier one', () => {
  const runId = new RegExp(`^retweet-tracking-demo-rerun-${TICK_SECONDS}s-\\d{8}-\\d{6}-\\d{3}$`);
  expect(first.workflowId).toMatch(runId);
  expect(second.workflowId).toMatch(runId);
  expect(second.workflowId).not.toBe(first.workflowId);
  expect(firstStatusAfterSecond).toBe('TERMINATED');
  // The earlier run's topics are gone; the running one's are there.
  expect(topicsLeft).not.toContain(runKafkaNames(first.workflowId).tweets);
  expect(topicsLeft).toContain(runKafkaNames(second.workflowId).tweets);
});

test('the same scenario run twice writes the same files, minute for minute', () => {
  expect(first.contents.every((text) => text !== '(no file)' && text.trim() !== '')).toBe(true);
  expect(second.contents).toEqual(first.contents);
});
