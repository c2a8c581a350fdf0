/**
 * `npm run bench:tracking [-- --tick-seconds N --json FILE]`: figures for RetweetTracking, not a test. Needs the
 * Temporal dev server (TEMPORAL_ADDRESS, default 127.0.0.1:7233); starts its own X emulator (`src/emulator/main.ts`)
 * as a child process, so this process holds only the worker and its measurements.
 *
 *  1. Lag from the tick boundary to the snapshot file being complete, for 1,000 and 10,000 tracked tweets.
 *  2. History bytes per tick per 1,000 tracked tweets.
 *  3. The worker's memory while tracking 20,000 tweets.
 *
 * Ticks default to 10 s rather than a minute: the path from boundary to file is the same, the bench is shorter.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities, type ActivityLog } from '../src/activities';
import { readWorkflowBundlePath } from '../src/temporal/config';
import { createTrackingWorker, workflowCodeOptions } from '../src/temporal/tracking-worker';
import { RetweetTracking, status, tweetsObserved } from '../src/workflows';
import { createXClient } from '../src/x/client';
import { makeXConfig } from '../src/x/config';
import { createTweetLookup } from '../src/x/lookup';
import { startEmulatorProcess } from './bench-emulator';
import { benchCommand, parseBenchFlags, wholeNumber, writeJsonResults } from './bench-flags';

const TICKS_MEASURED = 4;
const MB = 1024 * 1024;

interface Tweet {
  id: string;
  authorId: string;
}

/** One call to the emulator's admin API over its self-signed HTTPS. */
async function admin(url: string, ca: Buffer, method: string, path: string, body?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/__admin/${path}`,
      { method, ca, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(JSON.parse(text)));
      },
    );
    req.once('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Advances the emulator until it holds at least `count` original tweets by the followed users. */
async function originals(url: string, ca: Buffer, count: number): Promise<Tweet[]> {
  for (;;) {
    const truth = (await admin(url, ca, 'GET', 'ground-truth')) as { tweets: Tweet[] };
    if (truth.tweets.length >= count) return truth.tweets.slice(0, count).map(({ id, authorId }) => ({ id, authorId }));
    await admin(url, ca, 'POST', 'advance', { minutes: 10 });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Flags {
  tickSeconds: number;
  json?: string;
}

function parseFlags(): Flags {
  const command = benchCommand(
    'bench:tracking',
    "RetweetTracking's tick lag, history per tick and worker memory, on the Temporal dev server.",
  );
  command.option('--tick-seconds <n>', "the workflow's tick in seconds", wholeNumber('--tick-seconds', 1, 86_400), 10);
  return parseBenchFlags<Flags>(command);
}

async function main(): Promise<void> {
  const flags = parseFlags();
  const { tickSeconds } = flags;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const dir = await mkdtemp(join(tmpdir(), 'rt-bench-'));
  const emulator = await startEmulatorProcess(join(dir, 'emulator-ca.pem'), {
    X_EMULATOR_MINUTE_SECONDS: '86400', // frozen: the bench advances simulated time itself
    X_EMULATOR_TWEETS_PER_MINUTE: '50',
    X_EMULATOR_LOOKUP_LIMIT: '1000000', // measure our code, not X's 450-per-15-minutes window
  });
  // Large histories come back in one message from the dev server.
  const connection = await Connection.connect({ address, channelArgs: { 'grpc.max_receive_message_length': 64 * MB } });
  const client = new Client({ connection });
  const nativeConnection = await NativeConnection.connect({ address });
  const xClient = createXClient(
    makeXConfig({ bearerToken: emulator.bearerToken, baseUrl: emulator.url, caFile: emulator.caFile }),
  );
  try {
    const all = await originals(emulator.url, await readFile(emulator.caFile), 20_000);
    console.log(`emulator holds ${all.length} tracked-candidate tweets; ticks of ${tickSeconds} s`);

    const lags: Array<{ tweets: number; lagMs: number }> = [];
    const log: ActivityLog = {
      info: (message, meta) => {
        if (message === 'snapshot written' && meta)
          lags.push({ tweets: meta.tweets as number, lagMs: meta.lagMs as number });
      },
    };
    const taskQueue = `bench-tracking-${Date.now()}`;
    const activities = createActivities({
      x: createTweetLookup(xClient),
      snapshotDir: join(dir, 'snapshots'),
      reportDir: join(dir, 'reports'),
      clock: Date,
      log,
    });
    const baseline = process.memoryUsage();
    const workflowCode = workflowCodeOptions(readWorkflowBundlePath(process.env));
    const worker = await createTrackingWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      activities,
      workflowCode,
    });
    const running = worker.run();

    const track = async (n: number) => {
      const workflowId = `bench-tracking-${n}-${Date.now()}`;
      const handle = await client.workflow.start(RetweetTracking, {
        taskQueue,
        workflowId,
        args: [{ tickSeconds, printLines: 1 }],
      });
      for (let i = 0; i < n; i += 1000) {
        await handle.signal(tweetsObserved, all.slice(i, Math.min(i + 1000, n)));
      }
      const counted = (): number => lags.filter((l) => l.tweets === n).length;
      const memory: NodeJS.MemoryUsage[] = [];
      while (counted() < TICKS_MEASURED) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        memory.push(process.memoryUsage());
      }
      const s = await handle.query(status);
      const history = await handle.fetchHistory();
      await handle.terminate('bench over');
      return { handle, s, history, memory, lagsMs: lags.filter((l) => l.tweets === n).map((l) => l.lagMs) };
    };

    const lagRows: Array<{
      tweets: number;
      medianLagMs: number;
      maxLagMs: number;
      ticks: number;
      historyBytesPerTick: number;
      historyKiBPerTickPer1000Tweets: number;
    }> = [];
    for (const n of [1_000, 10_000]) {
      const { s, history, lagsMs } = await track(n);
      const perTick = historyBytesPerTick(history);
      lagRows.push({
        tweets: n,
        medianLagMs: median(lagsMs),
        maxLagMs: Math.max(...lagsMs),
        ticks: lagsMs.length,
        historyBytesPerTick: Math.round(perTick),
        historyKiBPerTickPer1000Tweets: Number((perTick / (n / 1000) / 1024).toFixed(1)),
      });
      console.log(
        `${n} tweets: boundary -> file complete median ${median(lagsMs)} ms, max ${Math.max(...lagsMs)} ms over ${lagsMs.length} ticks;` +
          ` history ${perTick.toFixed(0)} B per tick = ${(perTick / (n / 1000) / 1024).toFixed(1)} KiB per tick per 1,000 tweets (run ${s.runNumber})`,
      );
    }

    const { memory } = await track(20_000);
    const peak = memory.reduce((a, b) => (b.rss > a.rss ? b : a));
    console.log(
      `20000 tweets: worker process rss peak ${(peak.rss / MB).toFixed(0)} MB, heap used ${(peak.heapUsed / MB).toFixed(0)} MB` +
        ` (before the worker: rss ${(baseline.rss / MB).toFixed(0)} MB, heap ${(baseline.heapUsed / MB).toFixed(0)} MB)`,
    );
    writeJsonResults(flags.json, {
      tickSeconds,
      ticksMeasured: TICKS_MEASURED,
      lag: lagRows,
      memoryAt20000Tweets: {
        rssPeakMB: Math.round(peak.rss / MB),
        heapUsedPeakMB: Math.round(peak.heapUsed / MB),
        rssBeforeWorkerMB: Math.round(baseline.rss / MB),
        heapUsedBeforeWorkerMB: Math.round(baseline.heapUsed / MB),
      },
    });
    worker.shutdown();
    await running;
  } finally {
    xClient.close();
    await nativeConnection.close();
    await connection.close();
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Mean encoded bytes of a complete tick: from one timer firing to the next, activity and workflow tasks included. */
function historyBytesPerTick(history: temporal.api.history.v1.IHistory): number {
  const events = history.events ?? [];
  const fired = events.flatMap((e, i) =>
    e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_TIMER_FIRED ? [i] : [],
  );
  if (fired.length < 2) return NaN;
  const size = (e: temporal.api.history.v1.IHistoryEvent) =>
    temporal.api.history.v1.HistoryEvent.encode(e).finish().length;
  const first = fired[0];
  const last = fired[fired.length - 1];
  const bytes = events.slice(first, last).reduce((sum, e) => sum + size(e), 0);
  return bytes / (fired.length - 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
