/** A real Temporal worker running the recording workflow, and a client to query what it received. */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { ObservedTweet } from '../../src/domain/observed-tweet';
import { requireTemporal } from '../support/services';
import { TEST_NAMESPACE } from '../support/namespace';
import { receivedBatches } from './bridge-test-workflows';

export const RECORDER_TYPE = 'bridgeTestRecorder';

export interface Recorder {
  address: string;
  client: Client;
  taskQueue: string;
  /** The batches the workflow received so far ([] before it exists). */
  batches(workflowId: string): Promise<ObservedTweet[][]>;
  terminate(workflowId: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts a worker on a task queue of its own; `close()` shuts it down and closes the connections. */
export async function startRecorder(): Promise<Recorder> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const address = await requireTemporal();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: TEST_NAMESPACE });
  const nativeConnection = await NativeConnection.connect({ address });
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./bridge-test-workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const taskQueue = `bridge-test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: TEST_NAMESPACE,
    taskQueue,
    workflowBundle,
  });
  const running = worker.run();
  return {
    address,
    client,
    taskQueue,
    batches: async (workflowId) => {
      try {
        return await client.workflow.getHandle(workflowId).query(receivedBatches);
      } catch (error) {
        if ((error as Error).name === 'WorkflowNotFoundError') return [];
        throw error;
      }
    },
    terminate: async (workflowId) => {
      await client.workflow
        .getHandle(workflowId)
        .terminate('test over')
        .catch(() => undefined);
    },
    close: async () => {
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
    },
  };
}
