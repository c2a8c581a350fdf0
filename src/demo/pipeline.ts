import { resolve } from 'node:path';
import { ManagedProcess, startTsProcess } from './child-processes';

/** The product's long-running processes, as a user runs them: one OS process each. */
export type PipelineProcess = 'worker' | 'bridge' | 'producer' | 'dashboard';

const ENTRY_POINTS: Record<PipelineProcess, string> = {
  worker: 'src/worker.ts',
  bridge: 'src/bridge/main.ts',
  producer: 'src/producer/main.ts',
  dashboard: 'src/dashboard/main.ts',
};

export interface PipelineOptions {
  /** The environment every process gets (X, Temporal and Kafka variables, directories, workflow id). */
  env: NodeJS.ProcessEnv;
  /** Receives each output line; default: printed with the process name in front. */
  onLine?: (process: PipelineProcess, line: string, stream: 'stdout' | 'stderr') => void;
}

/** Runs and restarts the worker, bridge and producer; used by the demo and the end-to-end tests. */
export class Pipeline {
  private readonly running = new Map<PipelineProcess, ManagedProcess>();

  constructor(private readonly options: PipelineOptions) {}

  /** Starts one process (a restart if it ran before). */
  start(name: PipelineProcess): ManagedProcess {
    if (this.running.has(name)) throw new Error(`${name} is already running`);
    const onLine = this.options.onLine;
    const managed = startTsProcess({
      name,
      script: resolve(__dirname, '../..', ENTRY_POINTS[name]),
      env: this.options.env,
      onLine: onLine ? (line, stream) => onLine(name, line, stream) : undefined,
    });
    this.running.set(name, managed);
    void managed.exited.then(() => {
      if (this.running.get(name) === managed) this.running.delete(name);
    });
    return managed;
  }

  /** The running process of that name, if any. */
  get(name: PipelineProcess): ManagedProcess | undefined {
    return this.running.get(name);
  }

  /** Kills a process abruptly (SIGKILL), as a crash would, and waits until it is gone. */
  async kill(name: PipelineProcess): Promise<void> {
    const managed = this.running.get(name);
    if (!managed) return;
    managed.child.kill('SIGKILL');
    await managed.exited;
  }

  /** Stops a process cleanly (SIGTERM, then SIGKILL after the grace period). */
  async stop(name: PipelineProcess, graceMs?: number): Promise<void> {
    await this.running.get(name)?.stop(graceMs);
  }

  /** Stops everything in data-flow order, so nothing upstream outlives what consumes it. */
  async stopAll(graceMs?: number): Promise<void> {
    for (const name of ['producer', 'bridge', 'worker', 'dashboard'] as const) await this.stop(name, graceMs);
  }
}
