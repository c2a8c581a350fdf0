/** `npm run worker`: runs the RetweetTracking workflow and its activities until SIGINT/SIGTERM. */
import { ConfigError, processEnv } from './config/env';
import { consoleActivityLog, createActivities } from './activities';
import { removeStaleTempFiles } from './activities/files';
import { createCountsChangelog } from './kafka/changelog';
import { readWorkerConfig } from './temporal/config';
import { connectWorker } from './temporal/connection';
import { createTrackingWorker, workflowCodeOptions } from './temporal/tracking-worker';
import { createXClient } from './x/client';
import { readXConfig } from './x/config';
import { createTweetLookup } from './x/lookup';

async function main(): Promise<void> {
  // All configuration is read and validated before anything connects: a typo fails fast, naming the variable.
  const env = processEnv();
  const config = readWorkerConfig(env);
  const xClient = createXClient(readXConfig(env));
  // A writer killed mid-write leaves a temp file; nothing else will ever remove it.
  const removed = await removeStaleTempFiles([config.snapshotDir, config.reportDir]);
  if (removed) console.error(`[worker] removed ${removed} temp file(s) left by an interrupted write`);
  const connection = await connectWorker(config.temporal);
  const changelog = config.changelog ? await createCountsChangelog(config.changelog.kafka, config.changelog.topics) : undefined;
  try {
    const workflowCode = workflowCodeOptions(config.workflowBundlePath);
    console.error(`[worker] workflow code: ${workflowCode.workflowBundle ? 'prebuilt bundle' : 'bundled now from'} ${JSON.stringify(workflowCode)}`);
    const worker = await createTrackingWorker({
      connection,
      workflowCode,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      activities: createActivities({
        x: createTweetLookup(xClient),
        snapshotDir: config.snapshotDir,
        reportDir: config.reportDir,
        clock: Date,
        log: consoleActivityLog,
        changelog,
      }),
    });
    console.error(`[worker] polling task queue ${worker.options.taskQueue} on ${config.temporal.address} (${config.temporal.namespace})`);
    // The Temporal Runtime shuts the worker down on SIGINT/SIGTERM; run() resolves once it has drained.
    await worker.run();
  } finally {
    await changelog?.close();
    await connection.close();
    xClient.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
});
