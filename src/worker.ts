/** `npm run worker`: runs the RetweetTracking workflow and its activities until SIGINT/SIGTERM. */
import { ConfigError, processEnv } from './config/env';
import { readLogLevel } from './config/logging';
import { activityLog, createActivities } from './activities';
import { removeStaleTempFiles } from './activities/files';
import { createCountsChangelog } from './kafka/changelog';
import { waitForKafka } from './kafka/client';
import { createLog, errorMessage } from './shared/log';
import { startMetrics } from './metrics';
import { createTickMetrics } from './metrics/worker-metrics';
import { createXMetrics } from './metrics/x-metrics';
import { ServiceUnreachableError } from './shared/service-unreachable';
import { readWorkerConfig } from './temporal/config';
import { connectWorker } from './temporal/connection';
import { installTemporalRuntime } from './temporal/runtime-metrics';
import { createTrackingWorker, loadWorkflowCode } from './temporal/tracking-worker';
import { deploymentVersionOf, runAsDeploymentVersion, versionName } from './temporal/worker-deployment';
import { createXClient } from './x/client';
import { readXConfig } from './x/config';
import { createTweetLookup } from './x/lookup';

const log = createLog('worker');

async function main(): Promise<void> {
  // All configuration is read and validated before anything connects: a typo fails fast, naming the variable.
  const env = processEnv();
  readLogLevel(env); // an invalid LOG_LEVEL stops the worker here, naming it
  const config = readWorkerConfig(env);
  const xConfig = readXConfig(env);
  // Bound before connecting (a busy port fails fast, naming its variable); the runtime's before any connection.
  const metrics = await startMetrics(config.metrics);
  if (metrics) log.info(`metrics: ${metrics.url}`, { url: metrics.url });
  const temporalMetricsUrl = await installTemporalRuntime(log, config.temporalMetrics);
  if (temporalMetricsUrl) log.info(`Temporal SDK metrics: ${temporalMetricsUrl}`, { url: temporalMetricsUrl });
  const xClient = createXClient(xConfig, metrics && createXMetrics(metrics.registry));
  // A writer killed mid-write leaves a temp file; nothing else will ever remove it.
  const removed = await removeStaleTempFiles([config.snapshotDir, config.reportDir]);
  if (removed) log.info(`removed ${removed} temp file(s) left by an interrupted write`);
  // The changelog's broker: a bounded wait, then an error naming KAFKA_BROKERS (not kafkajs retrying on and on).
  if (config.changelog) await waitForKafka(config.changelog.kafka, { waitMs: config.startupWaitMs, log });
  const connection = await connectWorker(config.temporal);
  const changelog = config.changelog
    ? await createCountsChangelog(config.changelog.kafka, config.changelog.topics)
    : undefined;
  try {
    const { code, prebuilt } = await loadWorkflowCode(config.workflowBundlePath);
    const deployment = deploymentVersionOf(config.versioning, code);
    log.info(
      `workflow code: ${prebuilt ? config.workflowBundlePath : 'bundled now'}; ${deployment ? `version ${versionName(deployment)}` : 'unversioned'}`,
      {
        buildId: deployment?.buildId,
      },
    );
    const worker = await createTrackingWorker({
      connection,
      workflowCode: { workflowBundle: { code } },
      deployment,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      activities: createActivities({
        x: createTweetLookup(xClient),
        snapshotDir: config.snapshotDir,
        reportDir: config.reportDir,
        clock: Date,
        log: activityLog(),
        changelog,
        metrics: metrics && createTickMetrics(metrics.registry),
      }),
    });
    log.info(
      `polling task queue ${worker.options.taskQueue} on ${config.temporal.address} (${config.temporal.namespace})`,
      {
        taskQueue: worker.options.taskQueue,
        namespace: config.temporal.namespace,
      },
    );
    // The Temporal Runtime shuts the worker down on SIGINT/SIGTERM; this resolves once it has drained.
    await runAsDeploymentVersion(worker, {
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      mode: config.versioning.mode,
      version: deployment,
      log: (line) => log.info(line),
    });
  } finally {
    await changelog?.close();
    await connection.close();
    xClient.close();
    await metrics?.close();
  }
}

main().catch((error: unknown) => {
  // What to fix, in one line; anything unexpected keeps its stack trace.
  if (error instanceof ConfigError || error instanceof ServiceUnreachableError) log.error(error.message);
  else log.error(errorMessage(error), { stack: error instanceof Error ? error.stack : undefined });
  // Now: a metrics endpoint or client opened before the failure would otherwise keep the process alive.
  process.exit(1);
});
