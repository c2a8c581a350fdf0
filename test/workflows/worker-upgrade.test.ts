import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  type Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { DEFAULT_FOLLOWED_USER_IDS } from '../../src/domain/followed-users';
import { createTrackingWorker } from '../../src/temporal/tracking-worker';
import { makeVersionCurrent, type DeploymentVersion } from '../../src/temporal/worker-deployment';
import { RetweetTracking, status, tweetsObserved } from '../../src/workflows';
import { TEST_NAMESPACE } from '../support/namespace';
import { requireTemporal } from '../support/services';
import { MEMO_CHANGE } from './support/changed-workflow';
import { FakeX, makeTweets } from './support/fake-x';
import { bundleTracking, quietRuntime, testActivities, uniqueId, waitFor, waitForTicks } from './support/env';
import { MEMO_PATCH } from './support/patched-workflow';

/**
 * A rolling upgrade on the dev server, as README "Worker versioning and upgrades" describes it: RetweetTracking
 * runs on version A; version B, with a compatible change behind `patched()`, starts and becomes current; A stops.
 * The running workflow carries on on B (AUTO_UPGRADE) without a failed workflow task, and its next run, started by
 * Continue-As-New, takes B's change.
 *
 * One deployment name for every run of this test: the server keeps at most 100 deployments per namespace and
 * cannot delete one while it remembers its pollers, so a name per run would fill the namespace. Old versions of
 * earlier runs are deleted at the start (the server would also evict the oldest at its 100-version limit).
 */
const DEPLOYMENT = 'retweet-tracker-upgrade-test';
const { EventType, VersioningBehavior } = temporal.api.enums.v1;

type Service = NativeConnection['workflowService'];

/** Deletes the versions of earlier runs that the server lets go (no pollers for 5 minutes); the rest stay. */
async function deleteOldVersions(service: Service): Promise<void> {
  const info = await service
    .describeWorkerDeployment({ namespace: TEST_NAMESPACE, deploymentName: DEPLOYMENT })
    .catch(() => undefined);
  const current = info?.workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId;
  const old = (info?.workerDeploymentInfo?.versionSummaries ?? []).filter(
    (v) => v.deploymentVersion?.buildId !== current,
  );
  await Promise.allSettled(
    old.map((v) =>
      service.deleteWorkerDeploymentVersion({
        namespace: TEST_NAMESPACE,
        deploymentVersion: v.deploymentVersion,
        skipDrainage: true,
      }),
    ),
  );
}

async function versioningOf(handle: WorkflowHandle): Promise<{ behavior?: string; buildId?: string | null }> {
  const info = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
  return { behavior: VersioningBehavior[info?.behavior ?? 0], buildId: info?.deploymentVersion?.buildId };
}

/** The run's event types, and the ids of the patches its markers record. */
async function historyOf(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<{ types: string[]; patches: string[] }> {
  const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
  const patches = events.flatMap((e) => {
    const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
  });
  return { types: events.map((e) => EventType[e.eventType ?? 0]), patches };
}

describe('worker upgrade on the dev server', () => {
  let connection: NativeConnection;
  let client: Client;
  let bundleA: WorkflowBundleWithSourceMap;
  let bundleB: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    quietRuntime();
    const address = await requireTemporal();
    [connection, bundleA, bundleB] = await Promise.all([
      NativeConnection.connect({ address }),
      bundleTracking(),
      bundleWorkflowCode({
        workflowsPath: require.resolve('./support/patched-workflow'),
        logger: new DefaultLogger('WARN'),
      }),
    ]);
    client = new Client({ connection: await Connection.connect({ address }), namespace: TEST_NAMESPACE });
    await deleteOldVersions(connection.workflowService);
  });
  afterAll(async () => {
    await client?.connection.close();
    await connection?.close();
  });

  it('a running RetweetTracking moves from version A to B (compatible) and its next run takes B’s change', async () => {
    const taskQueue = uniqueId('upgrade');
    const run = randomUUID().slice(0, 8);
    const versionA: DeploymentVersion = { deploymentName: DEPLOYMENT, buildId: `a-${run}` };
    const versionB: DeploymentVersion = { deploymentName: DEPLOYMENT, buildId: `b-${run}` };
    const tweets = makeTweets(6, DEFAULT_FOLLOWED_USER_IDS);
    const { activities } = await testActivities(new FakeX(tweets));
    const startWorker = async (
      deployment: DeploymentVersion,
      workflowBundle: WorkflowBundleWithSourceMap,
    ): Promise<[Worker, Promise<void>]> => {
      const worker = await createTrackingWorker({
        connection,
        namespace: TEST_NAMESPACE,
        taskQueue,
        activities,
        workflowCode: { workflowBundle },
        deployment,
        print: () => undefined,
      });
      return [worker, worker.run()];
    };
    // Each run of the test has its own queue, so the previous run's queue is always "missing" from the new version.
    const makeCurrent = (v: DeploymentVersion) =>
      makeVersionCurrent(connection.workflowService, TEST_NAMESPACE, v, { ignoreMissingTaskQueues: true });

    const [workerA, runningA] = await startWorker(versionA, bundleA);
    let workerB: Worker | undefined;
    let runningB: Promise<void> | undefined;
    const workflowId = uniqueId('upgrade');
    try {
      expect(await makeCurrent(versionA)).toBe('made current');
      // The second signal ends the first run: Continue-As-New at a moment the test picks, after the upgrade.
      const handle = await client.workflow.start(RetweetTracking, {
        taskQueue,
        workflowId,
        args: [{ tickSeconds: 1, continueAsNewAfterSignals: 2 }],
      });
      const firstRunId = handle.firstExecutionRunId;
      await handle.signal(
        tweetsObserved,
        tweets.slice(0, 3).map((t) => ({ id: t.id, authorId: t.authorId })),
      );
      await waitForTicks(handle, 2, 20_000);
      expect(await versioningOf(handle)).toEqual({
        behavior: 'VERSIONING_BEHAVIOR_AUTO_UPGRADE',
        buildId: versionA.buildId,
      });

      // The rolling deploy: B starts and becomes current; the workflow moves at its next task, while A still runs
      // (queries and activities of a workflow still on A need A's workers); then A stops.
      [workerB, runningB] = await startWorker(versionB, bundleB);
      expect(await makeCurrent(versionB)).toBe('made current');
      await waitFor('the workflow on B', async () => (await versioningOf(handle)).buildId === versionB.buildId, 20_000);
      workerA.shutdown();
      await runningA;
      const atHandover = (await handle.query(status)).tickNumber;
      await waitForTicks(handle, atHandover + 2, 20_000);
      expect(await versioningOf(handle)).toEqual({
        behavior: 'VERSIONING_BEHAVIOR_AUTO_UPGRADE',
        buildId: versionB.buildId,
      });

      await handle.signal(
        tweetsObserved,
        tweets.slice(3).map((t) => ({ id: t.id, authorId: t.authorId })),
      );
      const nextRunId = await waitFor(
        'Continue-As-New',
        async () => {
          const { runId } = await handle.describe();
          return runId !== firstRunId ? runId : undefined;
        },
        20_000,
      );
      const nextRun = client.workflow.getHandle(handle.workflowId, nextRunId);
      const carried = await waitForTicks(nextRun, atHandover + 3, 20_000);
      expect(carried).toMatchObject({ trackedTweets: tweets.length, failedTicks: 0 });
      expect(await versioningOf(nextRun)).toEqual({
        behavior: 'VERSIONING_BEHAVIOR_AUTO_UPGRADE',
        buildId: versionB.buildId,
      });

      // The first run replayed its history on B and went on: no failed workflow task, and none of B's change.
      const first = await historyOf(client, handle.workflowId, firstRunId);
      expect(first.types).not.toContain('EVENT_TYPE_WORKFLOW_TASK_FAILED');
      expect(first.types).not.toContain('EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED');
      expect(first.patches).not.toContain(MEMO_PATCH);
      expect(first.types.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
      // The next run started on B: the patch marker, then the change itself.
      const next = await historyOf(client, handle.workflowId, nextRunId);
      expect(next.types).not.toContain('EVENT_TYPE_WORKFLOW_TASK_FAILED');
      expect(next.patches).toContain(MEMO_PATCH);
      expect(next.types.indexOf('EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED')).toBeGreaterThan(
        next.types.indexOf('EVENT_TYPE_MARKER_RECORDED'),
      );
      expect((await nextRun.describe()).memo).toEqual(MEMO_CHANGE);
    } finally {
      // Read before this: a termination fails the workflow task in flight, which says nothing about the upgrade.
      await client.workflow
        .getHandle(workflowId)
        .terminate('test over')
        .catch(() => undefined);
      for (const worker of [workerA, workerB]) if (worker?.getState() === 'RUNNING') worker.shutdown();
      await Promise.allSettled([runningA, runningB]);
    }
  });
});
