import { DEFAULT_FOLLOWED_USER_IDS } from '../../src/domain/followed-users';
import { DEFAULT_ACCOUNT_NAMES } from '../../src/emulator/accounts';
import { closeRun, readCounts, startDemo, waitUntil, type DemoProcess } from './demo-process';

/**
 * A new user's first run: the default demo (random simulation, no scenario) on a fast clock, on the real stack.
 * Its first files must already show something real: the followed accounts' recent posts (caught up from their
 * timelines at the producer's first start) with counts that move from tick to tick, under the original task's
 * eight screen names.
 */
// The pace `npm run demo -- --tick-seconds 2` advertises.
const TICK_SECONDS = 2;
const SCREEN_NAMES = DEFAULT_FOLLOWED_USER_IDS.map((id) => DEFAULT_ACCOUNT_NAMES[id].username);

let demo: DemoProcess;
let files: string[];

beforeAll(async () => {
  demo = await startDemo(['--tick-seconds', String(TICK_SECONDS), '--seed', '7']);
  try {
    await waitUntil(demo, 'three snapshot files', () => demo.snapshotFiles().length >= 3, 90_000);
    files = demo.snapshotFiles().slice(0, 3);
  } finally {
    const code = await demo.stop();
    if (code !== 0) console.log(`demo exited with ${code}:\n${demo.lines.join('\n')}`);
    const workflowId = demo.workflowId();
    if (workflowId) await closeRun(workflowId);
  }
});

test('the first three files hold non-zero counts, and at least one of them moves from file to file', () => {
  const [first, second, third] = files.map(readCounts);
  expect(first.size).toBeGreaterThan(0);
  const moving = [...first.keys()].filter((id) => {
    const counts = [first.get(id), second.get(id), third.get(id)];
    return counts.every((n) => n !== undefined && n > 0) && new Set(counts).size > 1;
  });
  if (moving.length === 0)
    console.log(files.map((f) => `${f}:\n${[...readCounts(f)].slice(0, 10).join(' ')}`).join('\n'));
  expect(moving.length).toBeGreaterThan(0);
});

test('the tweets that flow through the pipeline come from the original eight accounts, by their screen names', () => {
  // The producer's "Received tweet #<id> from @<name>[<user id>]" lines, as the original job printed them.
  const authors = new Set(
    demo.lines.flatMap((line) => /^\[producer\] Received tweet #\d+ from @(\w+)\[/.exec(line)?.[1] ?? []),
  );
  expect([...authors].sort()).toEqual([...SCREEN_NAMES].sort());
});
