import { Connection, isGrpcServiceError } from '@temporalio/client';
import { google } from '@temporalio/proto';

/**
 * The namespace every test uses on the shared dev server, so a user's `temporal workflow list` (namespace `default`,
 * where `npm run demo` runs) never shows the suite's workflows. jest's globalSetup registers it and exports it as
 * TEMPORAL_NAMESPACE, which the processes the tests spawn inherit.
 */
export const TEST_NAMESPACE = 'retweet-tracker-tests';

/** gRPC's ALREADY_EXISTS: the namespace was registered by an earlier run. */
const ALREADY_EXISTS = 6;

/** Registers the test namespace if needed (a day's retention: test workflows do not pile up) and waits until it serves. */
export async function registerTestNamespace(address: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService
      .registerNamespace({
        namespace: TEST_NAMESPACE,
        workflowExecutionRetentionPeriod: google.protobuf.Duration.fromObject({ seconds: 24 * 3600 }),
        description: 'the test suite of retweet-tracker',
      })
      .catch((error: unknown) => {
        if (!(isGrpcServiceError(error) && Number(error.code) === ALREADY_EXISTS)) throw error;
      });
    // A new namespace reaches the server's caches within seconds: wait until a read in it succeeds.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await connection.workflowService.listWorkflowExecutions({ namespace: TEST_NAMESPACE, pageSize: 1 });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await connection.close();
  }
}
