import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export interface RunHistory {
  runId: string;
  events: temporal.api.history.v1.IHistoryEvent[];
  /** Encoded size of the run's history, as the server stores it. */
  bytes: number;
  /** Largest single event (the 2 MB payload limit applies per payload, so this bounds every payload). */
  largestEventBytes: number;
}

/** A client that accepts histories larger than gRPC's default 4 MB message (the test server sends one page). */
export async function bigMessageClient(address: string): Promise<Client> {
  const connection = await Connection.connect({
    address,
    channelArgs: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 },
  });
  return new Client({ connection });
}

/** Every run of a workflow, newest first, by following `continuedExecutionRunId` back from the current run. */
export async function runHistories(client: Client, workflowId: string): Promise<RunHistory[]> {
  const runs: RunHistory[] = [];
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
    const sizes = events.map((e): number => temporal.api.history.v1.HistoryEvent.encode(e).finish().length);
    runs.push({
      runId,
      events,
      bytes: sizes.reduce((a: number, b: number) => a + b, 0),
      largestEventBytes: Math.max(0, ...sizes),
    });
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return runs;
}
