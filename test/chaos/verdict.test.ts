import type { GroundTruthTweet } from '../../src/emulator';
import type { MinuteFile } from '../../scripts/chaos/evidence';
import { checkpointTweetIds, judge, withTaskTimeouts, type VerdictInput } from '../../scripts/chaos/verdict';

/**
 * The chaos run's checks on hand-made evidence: a clean run passes, and each kind of damage the promise rules
 * out (a lost tweet, a double count, a duplicate minute, a gap no outage explains, a stray dead letter) fails
 * exactly its own check. The negative controls for `npm run chaos`.
 */
const TICK = 3000;
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % TICK);

const tweet = (id: string, retweetCount: number, status: GroundTruthTweet['status'] = 'live'): GroundTruthTweet => ({
  id,
  authorId: '1',
  authorUsername: 'a',
  text: 't',
  createdAt: '',
  minute: 0,
  retweetCount,
  deleted: status === 'deleted',
  status,
});
const file = (tick: number, lines: Array<[string, number]>, metaTick = tick): MinuteFile => ({
  name: `counts-${T0 + tick * TICK}.txt`,
  minuteMs: T0 + tick * TICK,
  metaMinuteMs: T0 + metaTick * TICK,
  lines: lines.map(([tweetId, retweets]) => ({ tweetId, retweets })),
});

function clean(): VerdictInput {
  const final: Array<[string, number]> = [
    ['11', 5],
    ['12', 2],
    ['13', 7],
  ];
  return {
    tickMs: TICK,
    truth: [tweet('11', 5), tweet('12', 2), tweet('13', 7, 'deleted')],
    files: [file(0, []), file(1, [['11', 1]]), file(2, final), file(3, final)],
    ticks: {
      runs: 2,
      scheduledMinutes: [0, 1, 2, 3].map((t) => T0 + t * TICK),
      completedMinutes: [0, 1, 2, 3].map((t) => T0 + t * TICK),
      workflowTaskTimeouts: [],
    },
    checkpointIds: checkpointTweetIds('11:5:0:0:0:1:,12:2:0:0:0:1:,13:7:0:0:0:1:g'),
    outages: [],
    deadLetters: [{ key: 'bad-1', reason: 'not JSON' }],
    injectedKeys: ['bad-1'],
    retweets: { released: 10, counted: 9 },
  };
}

const summary = (input: VerdictInput) => {
  const v = judge(input);
  return {
    lost: v.lostTweets,
    double: v.doubleCounts,
    under: v.underCounts,
    dup: v.duplicateMinutes,
    gaps: v.unexplainedGaps,
    equal: v.finalEqualsTruth,
    dlq: v.deadLetters.unexpected.length + v.deadLetters.missing.length,
  };
};
const PASS = { lost: 0, double: 0, under: 0, dup: 0, gaps: 0, equal: true, dlq: 0 };

describe('the chaos verdict', () => {
  it('passes a clean run; a deleted tweet keeps its count and is still tracked', () => {
    expect(summary(clean())).toEqual(PASS);
  });

  it('finds a tweet missing from the last file, or from the checkpoint', () => {
    const input = clean();
    input.files[3] = file(3, [
      ['11', 5],
      ['13', 7],
    ]);
    expect(summary(input)).toEqual({ ...PASS, lost: 1, equal: false });
    const input2 = clean();
    input2.checkpointIds = ['11', '13'];
    expect(judge(input2).lostIds).toEqual(['12']);
  });

  it('finds a double count and an under count of live tweets', () => {
    const input = clean();
    input.files[3] = file(3, [
      ['11', 6],
      ['12', 1],
      ['13', 7],
    ]);
    expect(summary(input)).toEqual({ ...PASS, double: 1, under: 1, equal: false });
  });

  it('finds a retweet id counted twice even when the files were reconciled since', () => {
    const input = clean();
    input.retweets = { released: 10, counted: 11 };
    expect(summary(input)).toEqual({ ...PASS, double: 1 });
  });

  it('finds two files for one minute, and a minute ticked twice in the history', () => {
    const input = clean();
    input.files[1] = file(1, [['11', 1]], 0);
    input.ticks.scheduledMinutes.push(T0 + 2 * TICK);
    const v = judge(input);
    expect(v.duplicateDetails).toEqual([
      `counts-${T0 + TICK}.txt holds minute ${T0}`,
      `two files hold minute ${T0}`,
      `minute ${T0 + 2 * TICK} was ticked twice in the workflow history`,
    ]);
  });

  it('explains a gap only by a worker or Temporal outage, within one tick of it', () => {
    const input = clean();
    input.files.splice(1, 1);
    expect(summary(input)).toEqual({ ...PASS, gaps: 1 });
    // Killed 500 ms into the tick: that tick's refresh dies with it.
    input.outages = [{ target: 'worker', downAt: T0 + TICK + 500, upAt: T0 + TICK + 2000 }];
    expect(summary(input)).toEqual({ ...PASS, gaps: 0 });
    // Killed more than a tick after the missing minute: that outage does not explain it.
    input.outages = [{ target: 'worker', downAt: T0 + 2 * TICK + 500, upAt: T0 + 3 * TICK }];
    expect(summary(input)).toEqual({ ...PASS, gaps: 1 });
  });

  it("extends a worker outage to the dead worker's workflow task timeout, only when the history shows one", () => {
    const input = clean();
    input.files.splice(2, 1); // minute 2 missing
    const killed = { target: 'worker', downAt: T0 + 500, upAt: T0 + 1500 };
    input.outages = withTaskTimeouts([killed], [], TICK);
    expect(summary(input).gaps).toBe(1);
    input.outages = withTaskTimeouts([killed], [T0 + 500 + 10_000], TICK);
    expect(input.outages[0].upAt).toBe(T0 + 10_500);
    expect(summary(input).gaps).toBe(0);
    // A timeout long after the kill belongs to something else.
    expect(withTaskTimeouts([killed], [T0 + 60_000], TICK)[0].upAt).toBe(T0 + 1500);
  });

  it('flags a dead letter nobody injected, and an injected one that never arrived', () => {
    const input = clean();
    input.deadLetters = [{ key: '2000000000000000001', reason: 'invalid' }];
    const v = judge(input);
    expect(v.deadLetters.unexpected).toHaveLength(1);
    expect(v.deadLetters.missing).toEqual(['bad-1']);
  });
});
