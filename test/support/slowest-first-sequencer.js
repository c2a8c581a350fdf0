/**
 * Runs the files that take longest first, so the two jest workers finish together. Jest orders by the durations
 * of its last run on this machine; a fresh clone has none (it would order by file size), so the slow ones are
 * listed here, longest first, with the times of a warm run on a 2-core machine.
 */
const Sequencer = require('@jest/test-sequencer').default;

const SLOWEST = [
  'test/producer/outage.test.ts', // 295 s: a 3-minute broker outage, by design
  'test/chaos/chaos.test.ts', // 112 s
  'test/e2e/event-time.test.ts', // 78 s
  'test/e2e/pipeline.test.ts', // 73 s
  'test/demo/rerun.test.ts', // 56 s
  'test/workflows/x-refusals.test.ts', // 42 s
  'test/workflows/dev-server.test.ts', // 40 s
  'test/bridge/bridge.test.ts', // 39 s
  'test/bridge/bridge-broker-restart.test.ts', // 33 s
];

class SlowestFirstSequencer extends Sequencer {
  sort(tests) {
    const rank = (test) => {
      const i = SLOWEST.findIndex((path) => test.path.endsWith(path));
      return i === -1 ? SLOWEST.length : i;
    };
    // Listed files in their order, then the rest as jest would order them.
    const rest = super.sort(tests.filter((test) => rank(test) === SLOWEST.length));
    const listed = tests.filter((test) => rank(test) < SLOWEST.length).sort((a, b) => rank(a) - rank(b));
    return Promise.resolve(rest).then((ordered) => [...listed, ...ordered]);
  }
}

module.exports = SlowestFirstSequencer;
