import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Worker,
  type InjectedSinks,
  type WorkerOptions,
} from '@temporalio/worker';
import type { TrackingActivities } from '../activities';
import { TASK_QUEUE } from '../shared/names';
import type { DeploymentVersion } from './worker-deployment';
import type { ProductOutputSinks } from '../workflows/output';

/** Where the product's printed output goes: stdout by default, so `npm run worker | tee` keeps what the original printed. */
export type PrintOutput = (text: string) => void;

export const printToStdout: PrintOutput = (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

/** The workflow's output sink: not called during replay, so a block is printed once, when its tick happens. */
export function outputSinks(print: PrintOutput = printToStdout): InjectedSinks<ProductOutputSinks> {
  return { output: { print: { fn: (_info, text) => print(text), callDuringReplay: false } } };
}

/** The workflow sources (`src/workflows/index.ts`), bundled at start-up when no fresh prebuilt bundle exists. */
export const WORKFLOWS_PATH = require.resolve('../workflows');
/** Sources a workflow bundle is built from: a bundle older than any of them is stale. */
const WORKFLOW_SOURCE_DIRS = [join(__dirname, '..', 'workflows'), join(__dirname, '..', 'domain')];

function newestMtimeMs(dirs: readonly string[]): number {
  let newest = 0;
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) newest = Math.max(newest, statSync(join(dir, name)).mtimeMs);
  }
  return newest;
}

/** A prebuilt bundle is used when present and not older than the sources: a developer never runs yesterday's code. */
const isFreshBundle = (bundlePath: string): boolean =>
  existsSync(bundlePath) && statSync(bundlePath).mtimeMs >= newestMtimeMs(WORKFLOW_SOURCE_DIRS);

/** The fresh prebuilt bundle (production: no webpack at start-up), else the sources. */
export function workflowCodeOptions(bundlePath: string): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  return isFreshBundle(bundlePath) ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath: WORKFLOWS_PATH };
}

/** The workflow code itself, prebuilt or bundled now: the default build id is a hash of it. */
export async function loadWorkflowCode(bundlePath: string): Promise<{ code: string; prebuilt: boolean }> {
  if (isFreshBundle(bundlePath)) return { code: await readFile(bundlePath, 'utf8'), prebuilt: true };
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  return { code, prebuilt: false };
}

/**
 * RetweetTracking moves to a new current version at its next workflow task: a forever workflow pinned to its
 * version would keep the old workers until its next Continue-As-New, hours away. So every release must replay
 * the histories of the one before (test/workflows/replay.test.ts). Declared here, not with setWorkflowOptions in
 * the workflow: the server refuses a workflow task that names a behaviour from an unversioned worker.
 */
export const TRACKING_VERSIONING_BEHAVIOR = 'AUTO_UPGRADE';

export interface TrackingWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  activities: TrackingActivities;
  taskQueue?: string;
  /** Tests pass a bundle built once per file. */
  workflowCode: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  /** The product's printed output (stdout by default). */
  print?: PrintOutput;
  /** The Worker Deployment version it runs as; unversioned when undefined (tests, throwaway task queues). */
  deployment?: DeploymentVersion;
}

/** The RetweetTracking worker: workflow and activities on the `retweet-tracking` task queue. */
export async function createTrackingWorker(options: TrackingWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    activities: options.activities,
    sinks: outputSinks(options.print),
    ...options.workflowCode,
    ...(options.deployment
      ? {
          workerDeploymentOptions: {
            version: options.deployment,
            useWorkerVersioning: true,
            defaultVersioningBehavior: TRACKING_VERSIONING_BEHAVIOR,
          },
        }
      : {}),
    // Let an in-flight refresh finish its file on shutdown; longer would hold up a deploy for nothing.
    shutdownGraceTime: '10 seconds',
  });
}
