import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { Pipeline, type PipelineProcess } from '../../src/demo/pipeline';
import { compareByRetweetsDesc, rankByRetweets, type TweetCount } from '../../src/domain/ranking';
import { startEmulator, type GroundTruth, type RunningEmulator } from '../../src/emulator';
import { WORKFLOW_TYPE } from '../../src/shared/names';
import { outputDirFor } from '../../src/shared/output-dirs';
import { leaderboard, status, type TrackingStatus } from '../../src/workflows/definitions';
import { kafkaBrokers, requireTemporal } from '../support/services';
import { TEST_NAMESPACE } from '../support/namespace';
import { pipelineEnv } from '../support/pipeline-env';
import { createTopic, deleteTopics, eventually, produceRaw, readRecords, testKafka } from '../kafka/helpers';
import { ScriptedClock } from './scripted-clock';
import { encodeTweetRecord } from '../../src/kafka/tweet-record';
import { launchBrowser } from '../dashboard/helpers';

/**
 * The whole product on the real stack: the X emulator (a scripted scenario) → producer → Kafka → bridge → signals →
 * RetweetTracking on the Temporal dev server → a snapshot file per tick and a top-5 report after 15 ticks. One run,
 * with simulated minutes of TICK_MS, includes malformed records, a SIGKILLed bridge and a SIGKILLed worker; the
 * assertions below read what that run left behind.
 */
const TICK_MS = 4_000;
const REPORT_AFTER_TICKS = 15;
const SCENARIO = join(__dirname, '../fixtures/e2e-scenario.json');

const runId = randomUUID().slice(0, 8);
const workflowId = `e2e-tracking-${runId}`;
const topics = { tweets: '', deadLetters: '', counts: `e2e-counts-${runId}`, reports: `e2e-reports-${runId}` };
const snapshotBase = mkdtempSync(join(tmpdir(), 'rt-e2e-snapshots-'));
const reportBase = mkdtempSync(join(tmpdir(), 'rt-e2e-reports-'));
// The worker writes each workflow's files under a folder of its own.
const snapshotDir = outputDirFor(snapshotBase, workflowId);
const reportDir = outputDirFor(reportBase, workflowId);
const dashboardDir = mkdtempSync(join(tmpdir(), 'rt-e2e-dashboard-'));
let dashboardUrl = '';
/** The dashboard's alert rule in this run, and what its webhook (a server of this test, on loopback) received. */
// Passed by #1, #4 and #6 when first seen, and by #2 and #8 as they grow during the run.
const ALERT_PASSES = 30;
let webhook: Server;
const alertsReceived: Array<{ rule: string; tweetId: string; count: number }> = [];

let kafka: Kafka;
let connection: Connection;
let client: Client;
let emulator: RunningEmulator;
let clock: ScriptedClock;
let pipeline: Pipeline;
const output: Record<PipelineProcess, string[]> = { worker: [], bridge: [], producer: [], dashboard: [] };
const events: { workerKilledAt?: number; workerRestartedAt?: number; workerReadyAt?: number; bridgeKilledAt?: number } =
  {};
let finalStatus: TrackingStatus;
let finalLeaderboard: TweetCount[];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const waitFor = (what: string, check: () => boolean, timeoutMs: number) =>
  eventually(what, () => (check() ? true : undefined), timeoutMs);

/** Records no producer of ours would write; the keys name the case. */
const MALFORMED = [
  { key: 'bad-1-not-json', value: 'this is not JSON' },
  { key: 'bad-2-no-id', value: JSON.stringify({ v: 1, authorId: '285532415' }) },
  { key: 'bad-3-wrong-types', value: JSON.stringify({ v: 1, id: 1790000000, authorId: ['285532415'] }) },
  { key: 'bad-4-one-megabyte', value: 'x'.repeat(1024 * 1024) },
  // Well formed but for its id: X's ids have at most 19 digits, and X would refuse the whole lookup with 400.
  {
    key: 'bad-5-twenty-digit-id',
    value: encodeTweetRecord({
      id: '12345678901234567890',
      authorId: '285532415',
      authorUsername: 'lenta_ru',
      createdAt: '2024-05-01T10:00:30.000Z',
    }).value,
  },
];

const snapshotFiles = (): string[] =>
  (existsSync(snapshotDir) ? readdirSync(snapshotDir) : []).filter((f) => /^counts-\d+\.txt$/.test(f)).sort();
const fileTick = (file: string): number => Number(/(\d+)/.exec(file)![1]);
const reportFiles = (): string[] =>
  (existsSync(reportDir) ? readdirSync(reportDir) : []).filter((f) => /^top5-\d+\.json$/.test(f));

function parseSnapshot(file: string): TweetCount[] {
  const text = readFileSync(join(snapshotDir, file), 'utf8').trim();
  if (!text) return [];
  return text.split('\n').map((line) => {
    const match = /^\((\d+), (\d+)\)$/.exec(line);
    if (!match) throw new Error(`${file}: malformed line "${line}"`);
    return { tweetId: match[1], retweets: Number(match[2]) };
  });
}

/** What X reported to a lookup made at real time `atMs`: the ground truth of the last fully simulated minute. */
function truthAt(atMs: number): GroundTruth {
  return emulator.admin.groundTruth(clock.elapsedAt(atMs) - 1);
}

beforeAll(async () => {
  kafka = await testKafka();
  const address = await requireTemporal();
  webhook = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      alertsReceived.push(JSON.parse(body) as { rule: string; tweetId: string; count: number });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  topics.tweets = await createTopic(kafka, 'e2e-tweets', 6);
  topics.deadLetters = await createTopic(kafka, 'e2e-dlq', 1);

  // The test moves simulated time itself (minuteSeconds 0), between tick boundaries (see ScriptedClock).
  emulator = await startEmulator({ port: 0, scenarioFile: SCENARIO, minuteSeconds: 0, heartbeatSeconds: 1 });
  // The minute changes 3/4 into each tick: after the tick's file, even one closed by the allowed lateness.
  clock = new ScriptedClock(emulator, TICK_MS, 0.75);
  connection = await Connection.connect({ address });
  client = new Client({ connection, namespace: TEST_NAMESPACE });

  const taskQueue = `e2e-${runId}`;
  // A tick waits at most 1 s for the watermark (while the bridge is down), so its file is written before the minute
  // changes at 3/4 of the tick and the file can be compared with X's state at its write time.
  await client.workflow.start(WORKFLOW_TYPE, {
    taskQueue,
    workflowId,
    args: [{ tickSeconds: TICK_MS / 1000, allowedLatenessSeconds: 1 }],
  });
  pipeline = new Pipeline({
    env: pipelineEnv(emulator, address, taskQueue, {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      KAFKA_TWEETS_TOPIC: topics.tweets,
      KAFKA_DEAD_LETTER_TOPIC: topics.deadLetters,
      BRIDGE_GROUP_ID: `e2e-bridge-${runId}`,
      TRACKING_WORKFLOW_ID: workflowId,
      SNAPSHOT_DIR: snapshotBase,
      REPORT_DIR: reportBase,
      // Live counts between lookups too: the workflow's hybrid counting is part of what this test checks.
      X_STREAM_RETWEETS: 'on',
      // Watermarks close each tick about a second after its boundary, well before the minute changes.
      PRODUCER_WATERMARK_DELAY_MS: '500',
      PRODUCER_WATERMARK_INTERVAL_MS: '250',
      BRIDGE_WATERMARK_STEP_MS: String(TICK_MS),
      // The worker publishes the counts changelog; the dashboard materialises it (its own topics for this run).
      KAFKA_COUNTS_TOPIC: topics.counts,
      KAFKA_REPORTS_TOPIC: topics.reports,
      DASHBOARD_PORT: '0',
      DASHBOARD_DATA_DIR: dashboardDir,
      DASHBOARD_INSTANCE_ID: `e2e-${runId}`,
      ALERT_RULES: JSON.stringify([{ name: 'viral', passes: ALERT_PASSES }]),
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/alerts`,
      // The run's own spool: not a developer's producer's, nor what an earlier run left unacknowledged.
      PRODUCER_SPOOL_DIR: join(mkdtempSync(join(tmpdir(), 'rt-e2e-spool-')), 'spool'),
    }),
    onLine: (name, line) => {
      output[name].push(line);
      // The restarted worker is back once it polls again (bundling the workflow code takes a while on a slow machine).
      if (name === 'worker' && events.workerRestartedAt && !events.workerReadyAt && /polling task queue/.test(line)) {
        events.workerReadyAt = Date.now();
      }
      const url = name === 'dashboard' ? /listening on (http:\/\/\S+)/.exec(line)?.[1] : undefined;
      if (url) dashboardUrl = url;
    },
  });
  pipeline.start('dashboard');
  pipeline.start('worker');
  pipeline.start('bridge');
  pipeline.start('producer');
  await waitFor('the producer to connect to the stream', () => emulator.admin.streamConnections() > 0, 60_000);
  await waitFor('the first snapshot file', () => snapshotFiles().length > 0, 60_000);

  const actions: Record<number, () => Promise<void>> = {
    // Malformed records straight into `tweets`: they must end in the dead-letter topic, and tracking go on.
    3: () => produceRaw(kafka, topics.tweets, MALFORMED),
    // Retweets were just released: kill the bridge while they are in flight, restart it a moment later.
    5: async () => {
      await sleep(150);
      events.bridgeKilledAt = Date.now();
      await pipeline.kill('bridge');
      await sleep(1_500);
      pipeline.start('bridge');
    },
    // Kill the worker in the middle of a tick: the next lookup is held up by X for 2 s and the worker dies inside it.
    8: async () => {
      emulator.admin.delayNext(2_000, 1);
      // Killed once the held-up lookup has reached X (the tick first waits for the stream's watermark).
      const lookups = (): number => emulator.admin.requests().filter((r) => r.path === '/2/tweets').length;
      const before = lookups();
      await waitFor('the next lookup', () => lookups() > before, 3 * TICK_MS);
      await sleep(300);
      events.workerKilledAt = Date.now();
      await pipeline.kill('worker');
      await sleep(1.5 * TICK_MS);
      events.workerRestartedAt = Date.now();
      pipeline.start('worker');
    },
  };
  const running: Array<Promise<void>> = [];
  clock.start((elapsed) => {
    if (actions[elapsed]) running.push(actions[elapsed]());
  });

  await waitFor('the top-5 report', () => reportFiles().length > 0, 40 * TICK_MS);
  await waitFor(
    'one more snapshot after the report',
    () => fileTick(snapshotFiles().at(-1)!) > fileTick(reportFiles()[0]),
    3 * TICK_MS,
  );
  // The workflow prints the report once it has the activity's result: a moment after the file, on a loaded machine.
  await waitFor('the printed top-5', () => output.worker.some((line) => / tweeted in #\d+:$/.test(line)), 3 * TICK_MS);
  await Promise.all(running);
  clock.stop();
  const handle = client.workflow.getHandle(workflowId);
  finalStatus = await handle.query(status);
  finalLeaderboard = await handle.query(leaderboard, 100);
}, 240_000);

afterAll(async () => {
  clock?.stop();
  await pipeline?.stopAll(5_000);
  await client?.workflow
    .getHandle(workflowId)
    .terminate('end-to-end test finished')
    .catch(() => undefined);
  await emulator?.close();
  await new Promise((resolve) => webhook?.close(resolve));
  if (kafka)
    await deleteTopics(kafka, [topics.tweets, topics.deadLetters, topics.counts, topics.reports].filter(Boolean));
  await connection?.close();
});

describe('the pipeline on the real stack', () => {
  it('writes one file per tick, sorted, each equal to what X reported for that tick', () => {
    const files = snapshotFiles();
    // Every tick up to the report has its file, but those lost to the worker outage (checked below).
    expect(files.length).toBeGreaterThanOrEqual(REPORT_AFTER_TICKS - finalStatus.missedTicks - finalStatus.failedTicks);
    for (const file of files) {
      const lines = parseSnapshot(file);
      expect(lines).toEqual(rankByRetweets(lines));
      const truth = truthAt(statSync(join(snapshotDir, file)).mtimeMs);
      const truthById = new Map(truth.tweets.map((t) => [t.id, t]));
      for (const { tweetId, retweets } of lines) {
        expect({ file, tweetId, retweets }).toEqual({ file, tweetId, retweets: truthById.get(tweetId)?.retweetCount });
      }
      // Everything posted a full minute before the lookup has been through stream, Kafka, bridge and workflow;
      // except while the killed bridge's partitions wait for its Kafka session (10 s) to expire.
      const bridgeOutage =
        fileTick(file) > events.bridgeKilledAt! && fileTick(file) < events.bridgeKilledAt! + 10_000 + 2 * TICK_MS;
      const settled = truth.tweets.filter((t) => t.minute < truth.minute).map((t) => t.id);
      if (!bridgeOutage) expect(lines.map((l) => l.tweetId)).toEqual(expect.arrayContaining(settled));
    }
  });

  it('tracks every tweet the followed users posted, none lost; the deleted one keeps its last count', () => {
    const truth = emulator.admin.groundTruth();
    const live = truth.tweets.filter((t) => !t.deleted);
    expect(finalStatus.trackedTweets).toBe(truth.tweets.length);
    expect(finalStatus.goneTweets).toBe(truth.tweets.length - live.length);
    expect(finalLeaderboard.map((e) => e.tweetId).sort()).toEqual(live.map((t) => t.id).sort());
    const retweetsStreamed = emulator.admin.posted().filter((p) => p.retweetedId).length;
    // At-least-once delivery: the killed bridge's uncommitted records come again, so never fewer.
    expect(finalStatus.retweetsSeen).toBeGreaterThanOrEqual(retweetsStreamed);
  });

  it('reports the top 5 after 15 ticks with the right screen names and texts, skipping the deleted tweet', () => {
    const [report] = reportFiles();
    expect(reportFiles()).toHaveLength(1);
    const { top } = JSON.parse(readFileSync(join(reportDir, report), 'utf8')) as {
      top: Array<{ tweetId: string; retweets: number; screenName: string; text: string }>;
    };
    const truth = truthAt(statSync(join(reportDir, report)).mtimeMs);
    const expected = truth.tweets
      .filter((t) => !t.deleted)
      .map((t) => ({ tweetId: t.id, retweets: t.retweetCount, screenName: t.authorUsername, text: t.text }))
      .sort(compareByRetweetsDesc)
      .slice(0, 5);
    expect(top.map(({ tweetId, retweets, screenName, text }) => ({ tweetId, retweets, screenName, text }))).toEqual(
      expected,
    );
    expect(output.worker.join('\n')).toContain(`@${expected[0].screenName} tweeted in #${expected[0].tweetId}:`);
  });

  it('sends malformed records to the dead-letter topic with a reason, and goes on tracking', async () => {
    const letters = await readRecords(kafka, topics.deadLetters, MALFORMED.length);
    expect(letters.map((l) => l.key).sort()).toEqual(MALFORMED.map((m) => m.key));
    for (const letter of letters) expect(letter.headers['dlq.reason']).toMatch(/\w{4,}/);
    expect(letters.find((l) => l.key === 'bad-4-one-megabyte')?.value?.length).toBe(1024 * 1024);
    expect(letters.find((l) => l.key === 'bad-5-twenty-digit-id')?.headers['dlq.reason']).toMatch(
      /^id must be a decimal tweet id/,
    );
    expect(finalStatus.droppedItems).toBe(0);
  });

  it('a SIGKILLed bridge loses nothing: the snapshots after it match X exactly (checked above) and it resumed', () => {
    expect(events.bridgeKilledAt).toBeDefined();
    // Files after the bridge's outage window exist, so the "everything settled is in the file" check above ran on them.
    const afterOutage = snapshotFiles().filter((f) => fileTick(f) >= events.bridgeKilledAt! + 10_000 + 2 * TICK_MS);
    expect(afterOutage.length).toBeGreaterThan(2);
    expect(pipeline.get('bridge')).toBeDefined();
  });

  it('a worker SIGKILLed mid-tick: files go on with no gap beyond the outage and no duplicate', () => {
    const ticks = snapshotFiles().map(fileTick);
    expect(new Set(ticks).size).toBe(ticks.length);
    const missing: number[] = [];
    for (let t = ticks[0]; t <= ticks.at(-1)!; t += TICK_MS) if (!ticks.includes(t)) missing.push(t);
    // A refresh may take at most its own tick: the one the worker died in fails, the boundaries passed while no
    // worker ran are missed; the workflow counts both, and nothing else is missing.
    expect(missing.length).toBe(finalStatus.missedTicks + finalStatus.failedTicks);
    expect(missing.length).toBeGreaterThan(0);
    for (const t of missing) {
      expect(t).toBeGreaterThan(events.workerKilledAt! - TICK_MS);
      expect(t).toBeLessThan(events.workerReadyAt! + TICK_MS);
    }
    // Atomic writes: no temp file is left behind by the killed attempt.
    expect(readdirSync(snapshotDir).filter((f) => !/^counts-\d+\.(txt|meta\.json)$/.test(f))).toEqual([]);
  });

  it('the dashboard, fed by the counts changelog, exports exactly what the minute files say', async () => {
    expect(dashboardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const files = snapshotFiles();
    const exportCsv = async (query: string): Promise<Array<{ tweetId: string; minuteMs: number; count: number }>> => {
      const response = await fetch(`${dashboardUrl}/api/export?format=csv&${query}`);
      expect(response.status).toBe(200);
      const [header, ...lines] = (await response.text()).trim().split('\n');
      const cols = header.split(',');
      return lines.map((line) => {
        const cells = Object.fromEntries(line.split(',').map((v, i) => [cols[i], v]));
        return { tweetId: cells.tweet_id, minuteMs: Number(cells.minute_ms), count: Number(cells.count) };
      });
    };
    // The last minute, once the dashboard has consumed it: its snapshot export equals the file, line for line.
    const last = files.at(-1)!;
    const fileLines = parseSnapshot(last);
    await eventually(
      'the dashboard has the last minute',
      async () => {
        const rows = await exportCsv(`minute=${fileTick(last)}`);
        return rows.length === fileLines.length &&
          rows.every((r, i) => r.tweetId === fileLines[i].tweetId && r.count === fileLines[i].retweets)
          ? true
          : undefined;
      },
      30_000,
    );
    // Every tweet's series (only changes are published) gives, at every minute file, the count that file says.
    for (const { tweetId } of fileLines.slice(0, 5)) {
      const series = await exportCsv(`tweet=${tweetId}`);
      for (const file of files) {
        const inFile = parseSnapshot(file).find((line) => line.tweetId === tweetId);
        const point = series.filter((p) => p.minuteMs <= fileTick(file)).at(-1);
        expect({ file, tweetId, count: point?.count }).toEqual({ file, tweetId, count: inFile?.retweets });
      }
    }
    // The top-5 report reached the dashboard too.
    const { reports } = (await (await fetch(`${dashboardUrl}/api/reports`)).json()) as {
      reports: Array<{ atMs: number }>;
    };
    expect(reports.map((r) => r.atMs)).toContain(Number(/^top5-(\d+)\.json$/.exec(reportFiles()[0])![1]));
  });

  it('an alert rule fires exactly once per tweet on the webhook: every tweet whose count passed it in a file', async () => {
    const passed = new Set<string>();
    const grewPast = new Set<string>();
    const seen = new Set<string>();
    for (const file of snapshotFiles())
      for (const { tweetId, retweets } of parseSnapshot(file)) {
        if (retweets >= ALERT_PASSES && !passed.has(tweetId)) {
          passed.add(tweetId);
          if (seen.has(tweetId)) grewPast.add(tweetId);
        }
        seen.add(tweetId);
      }
    // Some tweets pass the rule as they grow during the run, not only when first seen.
    expect(grewPast.size).toBeGreaterThan(0);
    const delivered = () => alertsReceived.map((a) => a.tweetId).sort();
    await waitFor('an alert for every tweet that passed the rule', () => delivered().length >= passed.size, 30_000);
    // A moment more for any second delivery, which must not come.
    await sleep(2_000);
    expect(delivered()).toEqual([...passed].sort());
    for (const alert of alertsReceived) expect(alert).toMatchObject({ rule: 'viral' });
    for (const alert of alertsReceived) expect(alert.count).toBeGreaterThanOrEqual(ALERT_PASSES);
  });

  it('the dashboard page in Chromium shows the run: leaderboard, growth curves and the top-5 report', async () => {
    const files = snapshotFiles();
    const lastFile = parseSnapshot(files.at(-1)!);
    /** One point per file in which a tweet's count changed (its first file included): what the changelog carries. */
    const changes = new Map<string, number[]>();
    let previous = new Map<string, number>();
    for (const file of files) {
      const counts = new Map(parseSnapshot(file).map((l) => [l.tweetId, l.retweets]));
      for (const [id, count] of counts)
        if (previous.get(id) !== count) changes.set(id, [...(changes.get(id) ?? []), fileTick(file)]);
      previous = counts;
    }
    const [report] = reportFiles();
    const { top } = JSON.parse(readFileSync(join(reportDir, report), 'utf8')) as {
      top: Array<{ tweetId: string; screenName: string }>;
    };

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(dashboardUrl);
      const board = (limit: number) =>
        JSON.stringify(lastFile.slice(0, limit).map((l) => [l.tweetId, l.retweets.toLocaleString('en-US')]));
      // The leaderboard (top 20) is the last minute file's first 20 lines, in the same order.
      await page.waitForFunction(
        `JSON.stringify([...document.querySelectorAll('#leaderboard tbody tr')].map((tr) =>
          [tr.dataset.tweetId, tr.querySelector('.count').textContent])) === ${JSON.stringify(board(20))}`,
        undefined,
        { timeout: 30_000 },
      );
      // The report's authors are known to the page: the leader's row names its screen name.
      const leaderEntry = top.find((e) => e.tweetId === lastFile[0].tweetId);
      if (leaderEntry)
        expect(await page.textContent(`#leaderboard tr[data-tweet-id="${leaderEntry.tweetId}"]`)).toContain(
          `@${leaderEntry.screenName}`,
        );

      // Growth curves: the leader is selected first; its chart has one point per minute its count changed.
      const leader = lastFile[0].tweetId;
      await page.waitForFunction(
        `document.querySelector('#chart-tweet')?.dataset.points === '${changes.get(leader)!.length}'`,
        undefined,
        { timeout: 20_000 },
      );
      expect(await page.$('#chart-tweet canvas')).not.toBeNull();
      const top5 = lastFile.slice(0, 5).map((l) => l.tweetId);
      const topMinutes = new Set(top5.flatMap((id) => changes.get(id) ?? []));
      expect(await page.getAttribute('#chart-top', 'data-series')).toBe('5');
      expect(await page.getAttribute('#chart-top', 'data-points')).toBe(String(topMinutes.size));

      // The top-5 report the workflow wrote after 15 ticks, as the file says.
      await page.waitForSelector('#latest-report tbody tr');
      const reportRows = await page.locator('#latest-report tbody tr').all();
      const shown = await Promise.all(reportRows.map((tr) => tr.getAttribute('data-tweet-id')));
      expect(shown).toEqual(top.map((e) => e.tweetId));
      expect(await page.textContent('#latest-report')).toContain(`@${top[0].screenName}`);

      const artifacts = join(__dirname, '../../test-artifacts');
      mkdirSync(artifacts, { recursive: true });
      const shot = join(artifacts, 'e2e-dashboard.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(20_000);
    } finally {
      await browser.close();
    }
  });
});
