import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ChaosReport } from '../../scripts/chaos/report';
import { TARGETS } from '../../scripts/chaos/plan';

/**
 * The short chaos run, as CI runs it: `npm run chaos -- --quick` (one seeded SIGKILL of each of worker, bridge,
 * producer, Kafka broker and Temporal server, on a private broker and dev server), then the promise: nothing lost,
 * nothing counted twice, no duplicate or unexplained missing minute, the last file equal to X, nothing left running.
 */
const ROOT = resolve(__dirname, '../..');
const SEED = 20261126;

let report: ChaosReport;
let output = '';

beforeAll(async () => {
  const json = join(mkdtempSync(join(tmpdir(), 'chaos-test-')), 'chaos.json');
  // A process of its own, exactly as a person runs it: its children and servers are its business alone.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/chaos.ts', '--quick', '--seed', String(SEED), '--quiet-seconds', '60', '--json', json],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
  try {
    report = JSON.parse(readFileSync(json, 'utf8')) as ChaosReport;
  } catch {
    throw new Error(`npm run chaos wrote no verdict (exit ${code}):\n${output}`);
  }
}, 420_000);

describe('npm run chaos -- --quick', () => {
  it('killed each of the five once, with the seed it was given', () => {
    expect(report.seed).toBe(SEED);
    expect(Object.fromEntries(TARGETS.map((t) => [t, report.kills[t]]))).toEqual({
      worker: 1,
      bridge: 1,
      producer: 1,
      kafka: 1,
      temporal: 1,
    });
    // The run saw a real workload: tweets to lose and retweets to count twice.
    expect(report.truthTweets).toBeGreaterThan(10);
    expect(report.retweetsStreamed).toBeGreaterThan(10);
  });

  it('loses no tweet, counts nothing twice, and its last file equals the ground truth', () => {
    const v = report.verdict;
    // The ids and counts come along, so a failure names the tweets.
    expect({
      lostTweets: report.lostTweets,
      doubleCounts: report.doubleCounts,
      finalEqualsTruth: report.finalEqualsTruth,
      lost: v.lostIds,
      mismatches: v.mismatches,
      unknown: v.unknownIds,
    }).toEqual({
      lostTweets: 0,
      doubleCounts: 0,
      finalEqualsTruth: true,
      lost: [],
      mismatches: [],
      unknown: [],
    });
    // The stream carried retweets, and redeliveries after the kills were deduplicated, not counted again.
    expect(report.status!.retweetsSeen).toBeGreaterThan(10);
    expect(v.retweetsCountedTwice).toBe(0);
  });

  it('leaves no duplicate minute and no gap beyond an outage', () => {
    expect({
      duplicateMinutes: report.duplicateMinutes,
      unexplainedGaps: report.unexplainedGaps,
      details: report.verdict.duplicateDetails,
    }).toEqual({
      duplicateMinutes: 0,
      unexplainedGaps: 0,
      details: [],
    });
    expect(report.files).toBeGreaterThan(20);
    // The workflow continued as new during the run (a low threshold on purpose): the checks span several runs.
    expect(report.historyRuns).toBeGreaterThanOrEqual(2);
  });

  it('sends exactly the injected malformed records to the dead-letter topic', () => {
    expect(report.verdict.deadLetters.missing).toEqual([]);
    expect(report.verdict.deadLetters.unexpected).toEqual([]);
  });

  it('leaves no process or port behind', () => {
    expect(report.leftovers).toEqual([]);
    expect(report.leftProcesses).toBe(0);
  });
});
