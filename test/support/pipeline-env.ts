import type { RunningEmulator } from '../../src/emulator';

/** The environment of a product process a test starts: the emulator as X, this Temporal server and task queue. */
export function pipelineEnv(
  emulator: RunningEmulator,
  temporalAddress: string,
  taskQueue: string,
  env: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  return { ...process.env, ...emulator.env, TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_TASK_QUEUE: taskQueue, ...env };
}
