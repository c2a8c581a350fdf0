/**
 * One chaos run: the whole pipeline (X emulator → producer → Kafka → bridge → RetweetTracking → minute files) on a
 * private Temporal dev server and a private Kafka broker, with seeded SIGKILLs of every part, then the checks of
 * verdict.ts against the emulator's ground truth.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { createKafka } from '../../src/kafka/client';
import { ensureProductTopics } from '../../src/kafka/topics';
import { WORKFLOW_TYPE } from '../../src/shared/names';
import { outputDirFor } from '../../src/shared/output-dirs';
import { WORKFLOWS_PATH } from '../../src/temporal/tracking-worker';
import { checkpoint, status, type RetweetTrackingInput } from '../../src/workflows/definitions';
import { ScriptedClock } from '../../test/e2e/scripted-clock';
import { startPrivateKafka, type PrivateKafka } from '../../test/support/private-kafka';
import { readDeadLetters, readMinuteFiles, readTickRecord, readTopicKeys } from './evidence';
import type { ChaosOptions } from './options';
import { planKills, TARGETS, type KillStep, type Target } from './plan';
import { pidAlive, pidsWithArgument, portAnswers, sleep, waitUntil } from './ports';
import { ProductProcesses, type Outage } from './processes';
import { pickStatus, releasedRetweets, traceLostTweets, type ChaosReport } from './report';
import { startPrivateTemporal, type PrivateTemporal } from './temporal-server';
import { checkpointTweetIds, judge, lastFileEquals, withTaskTimeouts } from './verdict';

const TOPICS = { tweets: 'tweets', deadLetters: 'tweets.dlq', progress: 'tweets.progress' };
/** Records no producer of ours writes; they must end in `tweets.dlq`, and nothing else may. */
const MALFORMED = [
  { key: 'chaos-bad-not-json', value: 'this is not JSON' },
  { key: 'chaos-bad-no-id', value: JSON.stringify({ v: 1, authorId: '285532415' }) },
];

type Say = (line: string) => void;

/** Runs the whole chaos experiment and returns its report; every process it started is gone when it returns. */
export async function runChaos(options: ChaosOptions, say: Say): Promise<ChaosReport> {
  const startedAt = Date.now();
  const tickMs = options.tickSeconds * 1000;
  const runDir = mkdtempSync(join(tmpdir(), 'chaos-run-'));
  const snapshotBase = join(runDir, 'snapshots');
  const reportDir = join(runDir, 'reports');
  const workflowId = `chaos-${options.seed}-${startedAt}`;
  // The worker writes the workflow's files under a folder of its own.
  const snapshotDir = outputDirFor(snapshotBase, workflowId);
  mkdirSync(snapshotDir, { recursive: true });
  mkdirSync(reportDir);
  const taskQueue = `chaos-${options.seed}-${startedAt}`;
  const kills = Object.fromEntries(TARGETS.map((t) => [t, 0])) as Record<Target, number>;
  const serverOutages: Outage[] = [];

  let kafka: PrivateKafka | undefined;
  let temporal: PrivateTemporal | undefined;
  let emulator: RunningEmulator | undefined;
  let connection: Connection | undefined;
  let clock: ScriptedClock | undefined;
  let processes: ProductProcesses | undefined;
  /** Every product process id started, kept after `stopAll` for the leftover check. */
  let productPids: number[] = [];
  try {
    say(`run dir ${runDir}; starting a private Kafka broker and Temporal dev server, bundling the workflow code`);
    const bundlePath = join(runDir, 'workflow-bundle.js');
    [kafka, temporal] = await Promise.all([
      startPrivateKafka(),
      startPrivateTemporal(),
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }).then(({ code }) =>
        writeFileSync(bundlePath, code),
      ),
    ]);
    const brokers = kafka.brokers;
    say(`Kafka ${brokers.join(',')}, Temporal ${temporal.address}`);
    await ensureProductTopics(createKafka({ brokers, clientId: 'chaos', tweetsPartitions: 6 }), TOPICS, 6);

    // The harness moves simulated minutes itself, half-way between tick boundaries (ScriptedClock), so each
    // tick's lookup sees a known minute; no tweets from before the run (nobody could have streamed them).
    emulator = await startEmulator({
      port: 0,
      seed: options.seed,
      minuteSeconds: 0,
      startTime: new Date().toISOString(),
      tweetsPerUserPerMinute: options.tweetsPerUserPerMinute,
      initialTweets: 0,
      heartbeatSeconds: 5,
      // Its own CA file: the default path is shared by every emulator on the machine, and another one starting
      // meanwhile would overwrite it, failing the TLS check of any process restarted after that.
      caFile: join(runDir, 'x-emulator-ca.pem'),
    });
    connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    const input: RetweetTrackingInput = {
      tickSeconds: options.tickSeconds,
      continueAsNewAfterEvents: options.continueAsNewAfterEvents,
    };
    await client.workflow.start(WORKFLOW_TYPE, { taskQueue, workflowId, args: [input] });

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...emulator.env,
      TEMPORAL_ADDRESS: temporal.address,
      // The private server's only namespace, the one the client above uses (not one inherited from a shell or .env).
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      TRACKING_WORKFLOW_ID: workflowId,
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TWEETS_TOPIC: TOPICS.tweets,
      KAFKA_DEAD_LETTER_TOPIC: TOPICS.deadLetters,
      SNAPSHOT_DIR: snapshotBase,
      REPORT_DIR: reportDir,
      WORKFLOW_BUNDLE: bundlePath,
      X_STREAM_RETWEETS: options.streamRetweets ? 'on' : 'off',
      // One spool for every producer of the run, across its kills, as on a real machine.
      PRODUCER_SPOOL_DIR: join(runDir, 'producer-spool'),
      // The driver is the supervisor here: a process restarted while Kafka or Temporal is down waits for it (as
      // under systemd with restarts), rather than exiting after the interactive default of 30 s.
      STARTUP_WAIT_SECONDS: '600',
      // Any free port: the fixed defaults are taken by another pipeline on the machine (a second chaos run, a demo).
      WORKER_METRICS_PORT: '0',
      WORKER_TEMPORAL_METRICS_PORT: '0',
      BRIDGE_METRICS_PORT: '0',
      PRODUCER_METRICS_PORT: '0',
    };
    const received = new Set<string>();
    const procs = new ProductProcesses(env, (name, line) => {
      if (options.verbose) say(`[${name}] ${line}`);
      const id = name === 'producer' ? /Received tweet #(\d+)/.exec(line)?.[1] : undefined;
      if (id) received.add(id);
    });
    processes = procs;
    productPids = procs.pids;
    for (const name of ['worker', 'bridge', 'producer'] as const) procs.start(name);
    const em = emulator;
    await waitUntil('the producer to connect to the stream', () => em.admin.streamConnections() > 0, 90_000);
    await waitUntil('the worker to poll', () => procs.isReady('worker'), 90_000);
    clock = new ScriptedClock(emulator, tickMs);
    const releasedAt = new Map<number, number>();
    clock.start((elapsed) => releasedAt.set(elapsed - 1, Date.now()));
    await waitUntil('the first minute file', () => readdirSync(snapshotDir).some((f) => f.endsWith('.txt')), 60_000);
    say('pipeline up; first minute file written');
    await sleep(3 * tickMs);

    const plan = planKills(options.seed, options.kills, tickMs);
    const restarters: Record<Target, () => Promise<void>> = {
      worker: () => waitUntil('the restarted worker to poll', () => procs.isReady('worker'), 120_000),
      bridge: () => Promise.resolve(),
      producer: () => Promise.resolve(),
      kafka: () => kafka!.start(),
      temporal: () => temporal!.start(),
    };
    for (const [index, step] of plan.entries()) {
      await runStep(step, index, plan.length);
      // Half-way, malformed records go straight into `tweets`: the dead-letter check has something to find.
      if (index === Math.floor(plan.length / 2)) await injectMalformed(brokers);
    }

    async function runStep(step: KillStep, index: number, total: number): Promise<void> {
      await sleep(step.afterMs);
      const phase = Date.now() % tickMs;
      const outage: Outage = { target: step.target, downAt: Date.now(), unexpected: false };
      if (step.target === 'kafka') await kafka!.kill();
      else if (step.target === 'temporal') await temporal!.kill();
      else await procs.kill(step.target);
      kills[step.target] += 1;
      say(`kill ${index + 1}/${total}: ${step.target} (SIGKILL at ${phase} ms into a tick), down ${step.downMs} ms`);
      await sleep(step.downMs);
      if (step.target === 'kafka' || step.target === 'temporal') {
        await restarters[step.target]();
        outage.upAt = Date.now();
        serverOutages.push(outage);
      } else {
        procs.start(step.target);
        await restarters[step.target]();
      }
    }

    // Let the last restart settle with the world still moving, then stop the simulated clock: from then on the
    // ground truth is fixed, and the last file must reach it.
    const lastUpAt = Date.now();
    await sleep(3 * tickMs);
    clock.stop();
    const stoppedAt = Date.now();
    const truth = emulator.admin.groundTruth();
    say(
      `simulated clock stopped at minute ${truth.minute}: ${truth.tweets.length} tweets; waiting up to ${options.quietSeconds} s for the last file to equal it`,
    );
    let settledAt: number | undefined;
    const quietDeadline = Date.now() + options.quietSeconds * 1000;
    while (Date.now() < quietDeadline) {
      const files = readMinuteFiles(snapshotDir);
      const last = files.at(-1);
      if (last && last.minuteMs > stoppedAt && lastFileEquals(last.lines, truth.tweets)) {
        settledAt = Date.now();
        break;
      }
      await sleep(tickMs / 2);
    }
    // One more tick after settling: a late duplicate or a regression would show in it.
    await sleep(tickMs + 500);

    const released = releasedRetweets(emulator, options.streamRetweets);
    const handle = client.workflow.getHandle(workflowId);
    const finalStatus = await handle.query(status);
    const carried = await handle.query(checkpoint);
    const ticks = await readTickRecord(client, workflowId);
    const deadLetters = await readDeadLetters(brokers, TOPICS.deadLetters);
    const files = readMinuteFiles(snapshotDir);
    const tickOutages = [
      ...serverOutages.filter((o) => o.target === 'temporal'),
      ...withTaskTimeouts(
        procs.outages.filter((o) => o.target === 'worker'),
        ticks.workflowTaskTimeouts,
        tickMs,
      ),
    ];
    const verdict = judge({
      tickMs,
      truth: truth.tweets,
      files,
      ticks,
      checkpointIds: checkpointTweetIds(carried.tweets),
      outages: tickOutages,
      deadLetters,
      injectedKeys: MALFORMED.map((m) => m.key),
      retweets: { released, counted: finalStatus.retweetsSeen },
    });

    const lostTweetTrail =
      verdict.lostIds.length === 0
        ? []
        : traceLostTweets({
            lostIds: verdict.lostIds,
            truth: truth.tweets,
            releasedAt,
            receivedByProducer: received,
            inKafka: await readTopicKeys(brokers, TOPICS.tweets),
            outages: [...serverOutages, ...procs.outages],
            tickMs,
            statusAt: (id, minute) => em.admin.groundTruth(minute, [id]).tweets[0]?.status,
            finalMinute: truth.minute,
          });

    say('stopping producer, bridge, worker, then the servers');
    await procs.stopAll(10_000);
    processes = undefined;
    const leftovers = await stopAndFindLeftovers();
    const report: ChaosReport = {
      seed: options.seed,
      kills,
      lostTweets: verdict.lostTweets,
      doubleCounts: verdict.doubleCounts,
      duplicateMinutes: verdict.duplicateMinutes,
      unexplainedGaps: verdict.unexplainedGaps,
      finalEqualsTruth: verdict.finalEqualsTruth,
      leftProcesses: leftovers.length,
      ok: false,
      tickSeconds: options.tickSeconds,
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
      settledAfterSeconds: settledAt === undefined ? undefined : Math.round((settledAt - lastUpAt) / 1000),
      truthTweets: truth.tweets.length,
      retweetsStreamed: released,
      files: files.length,
      status: pickStatus(finalStatus),
      historyRuns: ticks.runs,
      outages: [...serverOutages, ...procs.outages].sort((a, b) => a.downAt - b.downAt),
      unexpectedExits: procs.unexpectedExits,
      leftovers,
      lostTweetTrail,
      tickOutages,
      verdict,
      runDir,
    };
    report.ok =
      report.lostTweets === 0 &&
      report.doubleCounts === 0 &&
      report.duplicateMinutes === 0 &&
      report.unexplainedGaps === 0 &&
      report.finalEqualsTruth &&
      report.leftProcesses === 0 &&
      verdict.deadLetters.unexpected.length === 0 &&
      verdict.deadLetters.missing.length === 0 &&
      TARGETS.every((t) => kills[t] === options.kills);
    if (report.ok) {
      rmSync(runDir, { recursive: true, force: true });
      report.runDir = undefined;
    }
    return report;
  } finally {
    clock?.stop();
    await processes?.stopAll(5_000);
    await stopAndFindLeftovers().catch(() => undefined);
  }

  /** Stops what is still running (idempotent), then lists every process and port of this run still alive. */
  async function stopAndFindLeftovers(): Promise<string[]> {
    const pids = [...(temporal?.pids ?? [])];
    const ports = [...(temporal?.ports ?? [])];
    const kafkaConfig = kafka ? join(dirname(kafka.dataDir), 'server.properties') : undefined;
    if (kafka) ports.push(...kafka.brokers.map((b) => Number(b.split(':')[1])));
    await connection?.close().catch(() => undefined);
    connection = undefined;
    await emulator?.close();
    emulator = undefined;
    await kafka?.close();
    kafka = undefined;
    await temporal?.close();
    temporal = undefined;
    await sleep(1000);
    const left: string[] = [];
    for (const pid of [...pids, ...productPids]) if (pidAlive(pid)) left.push(`pid ${pid}`);
    if (kafkaConfig) for (const pid of pidsWithArgument(kafkaConfig)) left.push(`Kafka pid ${pid}`);
    for (const port of ports) if (await portAnswers(port)) left.push(`port ${port}`);
    return left;
  }
}

async function injectMalformed(brokers: string[]): Promise<void> {
  const producer = createKafka({ brokers, clientId: 'chaos-malformed', tweetsPartitions: 6 }).producer();
  await producer.connect();
  try {
    await producer.send({ topic: TOPICS.tweets, messages: MALFORMED });
  } finally {
    await producer.disconnect();
  }
}
