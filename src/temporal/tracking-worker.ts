import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NativeConnection, Worker, type InjectedSinks, type WorkerOptions } from '@temporalio/worker';
import type { TrackingActivities } from '../activities';
import { TASK_QUEUE } from '../shared/names';
import { readWorkflowBundlePath } from './config';
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

/**
 * The prebuilt bundle when present and not older than the sources (production: no webpack at start-up), else the
 * sources. The freshness check keeps a developer from running yesterday's workflow code after an edit.
 */
export function workflowCodeOptions(bundlePath: string): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (existsSync(bundlePath) && statSync(bundlePath).mtimeMs >= newestMtimeMs(WORKFLOW_SOURCE_DIRS)) {
    return { workflowBundle: { codePath: bundlePath } };
  }
  return { workflowsPath: WORKFLOWS_PATH };
}

export interface TrackingWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  activities: TrackingActivities;
  taskQueue?: string;
  /** Tests pass a bundle built once per file. */
  workflowCode?: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  /** The product's printed output (stdout by default). */
  print?: PrintOutput;
}

/** The RetweetTracking worker: workflow and activities on the `retweet-tracking` task queue. */
export async function createTrackingWorker(options: TrackingWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    activities: options.activities,
    sinks: outputSinks(options.print),
    ...(options.workflowCode ?? workflowCodeOptions(readWorkflowBundlePath(process.env))),
    // Let an in-flight refresh finish its file on shutdown; longer would hold up a deploy for nothing.
    shutdownGraceTime: '10 seconds',
  });
}
