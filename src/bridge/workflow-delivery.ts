/**
 * How a batch reaches the tracking workflow: signal-with-start, but never over a closed run. The first time (no run
 * ever existed under the id) it starts the workflow; once a run was stopped, terminated or failed, starting a new
 * one would begin EMPTY while the offsets of everything the old one had are already committed, so it refuses.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { tweetsObserved } from '../workflows/definitions';
import type { SendBatch } from './signal-batcher';

/** The command that opens a new run carrying the stopped run's state. */
export const RESUME_COMMAND = 'npm run tracking -- start';

/** The workflow id names a closed run: deliveries wait until someone starts a new run on purpose. */
export class WorkflowClosedError extends Error {
  constructor(readonly workflowId: string) {
    super(`workflow ${workflowId} is closed (stopped, terminated or failed)`);
    this.name = 'WorkflowClosedError';
  }
}

export interface WorkflowDeliveryOptions {
  temporal: Client;
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  /** The workflow's arguments when no run ever existed under the id. */
  workflowArgs: unknown[];
  /** Deadline of one attempt, the client's own gRPC retries included. */
  timeoutMs: number;
}

/** A `SendBatch` that signals the open run, starts the very first one, and throws `WorkflowClosedError` otherwise. */
export function workflowDelivery(options: WorkflowDeliveryOptions): SendBatch {
  const { temporal, workflowId } = options;
  return async (tweets) => {
    try {
      await temporal.withDeadline(Date.now() + options.timeoutMs, () =>
        temporal.workflow.signalWithStart(options.workflowType, {
          workflowId,
          taskQueue: options.taskQueue,
          signal: tweetsObserved,
          signalArgs: [tweets],
          args: options.workflowArgs,
          // A running run is signalled whatever the policy; this only forbids a new run over a closed one.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      );
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) throw new WorkflowClosedError(workflowId);
      throw error;
    }
  };
}
