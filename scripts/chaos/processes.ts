import { resolve } from 'node:path';
import { startTsProcess, type ManagedProcess } from '../../src/demo/child-processes';

/** The product's own processes, each run as a user runs it. */
export type ProductProcess = 'worker' | 'bridge' | 'producer';

const ENTRY_POINTS: Record<ProductProcess, string> = {
  worker: 'src/worker.ts',
  bridge: 'src/bridge/main.ts',
  producer: 'src/producer/main.ts',
};

/** A line that says the process is serving: only the worker's readiness bounds an outage (its ticks stop). */
const READY: Partial<Record<ProductProcess, RegExp>> = { worker: /polling task queue/ };

/** When a process was down: from its kill (or crash) until it was back (ready, or restarted). */
export interface Outage {
  target: string;
  downAt: number;
  upAt?: number;
  /** True for a crash the chaos run did not cause. */
  unexpected: boolean;
}

/** An exit nobody asked for, with its code and the process's last lines (the evidence). */
export interface UnexpectedExit {
  name: ProductProcess;
  at: number;
  code: number | string;
  lastLines: string[];
}

/**
 * Runs worker, bridge and producer and restarts any that exits on its own after a second, as a service manager
 * (systemd `Restart=always`) would; such exits are recorded, as they are findings about the product.
 */
export class ProductProcesses {
  readonly pids: number[] = [];
  readonly outages: Outage[] = [];
  readonly unexpectedExits: UnexpectedExit[] = [];
  private readonly running = new Map<ProductProcess, ManagedProcess>();
  private readonly ready = new Set<ProductProcess>();
  private readonly tails: Record<ProductProcess, string[]> = { worker: [], bridge: [], producer: [] };
  private readonly intentional = new Set<ManagedProcess>();
  private stopping = false;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly onLine: (name: ProductProcess, line: string) => void,
  ) {}

  /** Starts one process (a restart when it ran before); the open outage of it ends when it is ready. */
  start(name: ProductProcess): void {
    if (this.running.has(name)) throw new Error(`${name} is already running`);
    this.ready.delete(name);
    const managed = startTsProcess({
      name,
      script: resolve(__dirname, '../..', ENTRY_POINTS[name]),
      env: this.env,
      onLine: (line) => this.line(name, line),
    });
    if (managed.child.pid) this.pids.push(managed.child.pid);
    this.running.set(name, managed);
    if (!READY[name]) this.markReady(name);
    void managed.exited.then((code) => this.exited(name, managed, code));
  }

  isReady(name: ProductProcess): boolean {
    return this.ready.has(name);
  }

  /** SIGKILL, as a crash; the outage starts now. */
  async kill(name: ProductProcess): Promise<void> {
    const managed = this.running.get(name);
    if (!managed) return;
    this.intentional.add(managed);
    this.outages.push({ target: name, downAt: Date.now(), unexpected: false });
    managed.child.kill('SIGKILL');
    await managed.exited;
  }

  /** Stops everything in data-flow order (producer, bridge, worker) with SIGTERM, SIGKILL after `graceMs`. */
  async stopAll(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const name of ['producer', 'bridge', 'worker'] as const) {
      const managed = this.running.get(name);
      if (!managed) continue;
      this.intentional.add(managed);
      await managed.stop(graceMs);
    }
  }

  private line(name: ProductProcess, line: string): void {
    const tail = this.tails[name];
    tail.push(line);
    if (tail.length > 20) tail.shift();
    if (READY[name]?.test(line)) this.markReady(name);
    this.onLine(name, line);
  }

  private markReady(name: ProductProcess): void {
    this.ready.add(name);
    const open = [...this.outages].reverse().find((o) => o.target === name && o.upAt === undefined);
    if (open) open.upAt = Date.now();
  }

  private exited(name: ProductProcess, managed: ManagedProcess, code: number | string): void {
    if (this.running.get(name) === managed) this.running.delete(name);
    if (this.intentional.has(managed) || this.stopping) return;
    const at = Date.now();
    this.unexpectedExits.push({ name, at, code, lastLines: [...this.tails[name]] });
    this.outages.push({ target: name, downAt: at, unexpected: true });
    setTimeout(() => {
      if (!this.stopping && !this.running.has(name)) this.start(name);
    }, 1000);
  }
}
