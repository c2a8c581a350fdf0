/**
 * Worker Versioning: which Worker Deployment version this worker is, and making it the version that receives the
 * task queue's workflow tasks. The procedure it serves is in the README, "Worker versioning and upgrades".
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { ConfigError } from '../config/env';
import type { WorkerVersioningConfig } from './config';

/** One version of a Worker Deployment: the server names it `<deploymentName>.<buildId>`. */
export interface DeploymentVersion {
  deploymentName: string;
  buildId: string;
}

type WorkflowService = NativeConnection['workflowService'];

/** `<package.json version>-<12 hex digits of the bundle's SHA-256>`: a new build id whenever the workflow code changes. */
export function defaultBuildId(workflowCode: string): string {
  const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return `${version}-${createHash('sha256').update(workflowCode).digest('hex').slice(0, 12)}`;
}

/** The version this worker runs as, or undefined when versioning is off. */
export function deploymentVersionOf(
  versioning: WorkerVersioningConfig,
  workflowCode: string,
): DeploymentVersion | undefined {
  if (versioning.mode === 'off') return undefined;
  return { deploymentName: versioning.deploymentName, buildId: versioning.buildId ?? defaultBuildId(workflowCode) };
}

export const versionName = (v: DeploymentVersion): string => `${v.deploymentName}.${v.buildId}`;

export interface MakeCurrentOptions {
  /** How long to wait for the server to register the version from the worker's first polls. */
  timeoutMs?: number;
  /**
   * Skip the server's check that this version polls every task queue the current version did. Tests only: each
   * run has its own queue, so the previous run's is always missing. In production the check stops a worker on a
   * mistyped TEMPORAL_TASK_QUEUE from taking the real queue's workflows away from their workers.
   */
  ignoreMissingTaskQueues?: boolean;
  identity?: string;
}

/** gRPC NOT_FOUND, or the precondition failure, that the server answers until it has registered the version from its polls. */
const notRegisteredYet = (error: unknown): boolean => {
  const { code, message } = error as { code?: number; message?: string };
  return code === 5 || (code === 9 && /no Worker Deployment found/i.test(message ?? ''));
};

/**
 * Makes the version the deployment's current one, so new workflows and AUTO_UPGRADE ones get their next workflow
 * task on it. Waits for the version to be registered, which happens once its worker polls.
 */
export async function makeVersionCurrent(
  service: WorkflowService,
  namespace: string,
  version: DeploymentVersion,
  options: MakeCurrentOptions = {},
): Promise<'made current' | 'already current'> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    try {
      const { workerDeploymentInfo } = await service.describeWorkerDeployment({
        namespace,
        deploymentName: version.deploymentName,
      });
      if (workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId === version.buildId)
        return 'already current';
      await service.setWorkerDeploymentCurrentVersion({
        namespace,
        deploymentName: version.deploymentName,
        buildId: version.buildId,
        ignoreMissingTaskQueues: options.ignoreMissingTaskQueues ?? false,
        identity: options.identity ?? 'retweet-tracker worker',
      });
      return 'made current';
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if ((error as { code?: number }).code === 9 && !notRegisteredYet(error)) {
        // Refused on purpose, typically a deployment name shared by workers of different task queues.
        throw new ConfigError(
          'TEMPORAL_DEPLOYMENT_NAME',
          `(${version.deploymentName}): the server refused to make ${versionName(version)} current: ${message}. ` +
            'Give each task queue its own deployment, or set TEMPORAL_WORKER_VERSIONING=manual and make a version current yourself',
        );
      }
      if (!notRegisteredYet(error) || Date.now() > deadline) {
        throw new Error(`could not make ${versionName(version)} the current version: ${message}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** The deployment version the task queue's workflow tasks go to, or undefined when they go to unversioned workers. */
export async function routedVersion(
  service: WorkflowService,
  namespace: string,
  taskQueue: string,
): Promise<DeploymentVersion | undefined> {
  const { versioningInfo } = await service.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: 1 /* WORKFLOW */,
  });
  const current = versioningInfo?.currentDeploymentVersion;
  return current?.deploymentName && current.buildId
    ? { deploymentName: current.deploymentName, buildId: current.buildId }
    : undefined;
}

export interface RunVersionedOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  mode: WorkerVersioningConfig['mode'];
  /** Undefined when the mode is off. */
  version?: DeploymentVersion;
  log: (line: string) => void;
}

/**
 * Runs the worker until shutdown and, once it polls, applies the versioning mode: auto makes its version current
 * (so `npm run worker` and the demo need no manual step); manual says how to; off warns when the queue's tasks go
 * to a deployment version, since an unversioned worker then gets none. A version that cannot become current
 * stops the worker: it would poll and never get a task.
 */
export async function runAsDeploymentVersion(worker: Worker, options: RunVersionedOptions): Promise<void> {
  const running = worker.run();
  try {
    await applyVersioningMode(options);
  } catch (error) {
    worker.shutdown();
    await running.catch(() => undefined); // the versioning error is the one to report
    throw error;
  }
  await running;
}

async function applyVersioningMode({
  connection,
  namespace,
  taskQueue,
  mode,
  version,
  log,
}: RunVersionedOptions): Promise<void> {
  const service = connection.workflowService;
  if (mode === 'auto' && version) {
    log(`version ${versionName(version)}: ${await makeVersionCurrent(service, namespace, version)}`);
    return;
  }
  // Only a hint from here on: a failed look-up must not stop a worker that may well be fine.
  const routed = await routedVersion(service, namespace, taskQueue).catch((error: unknown) => {
    log(`could not read the routing of task queue ${taskQueue}: ${String(error)}`);
    return null;
  });
  if (routed === null) return;
  if (mode === 'off' || !version) {
    if (routed) {
      log(
        `task queue ${taskQueue} sends its workflow tasks to version ${versionName(routed)}, so this unversioned worker gets none: ` +
          `run a worker of that deployment, or \`temporal worker deployment set-current-version --deployment-name ${routed.deploymentName} --unversioned\``,
      );
    }
    return;
  }
  if (routed?.deploymentName === version.deploymentName && routed.buildId === version.buildId) {
    log(`version ${versionName(version)} is current`);
  } else {
    log(
      `version ${versionName(version)} polls but is not current (TEMPORAL_WORKER_VERSIONING=manual): ` +
        `temporal worker deployment set-current-version --deployment-name ${version.deploymentName} --build-id ${version.buildId}`,
    );
  }
}
