import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Log } from '../shared/log';
import { demoLine } from './child-lines';

/** One of the product's processes (worker, bridge, producer), run as a real child process. */
export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process has ended. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL if it has not ended after `graceMs`. */
  stop(graceMs?: number): Promise<number | string>;
}

export interface StartOptions {
  name: string;
  /** The TypeScript entry point. */
  script: string;
  args?: string[];
  env: NodeJS.ProcessEnv;
  /** Called with each output line; default: print it with the process name in front (a log line's message only). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** The children still running, each with its exit: a forced stop kills them all at once. */
const running = new Map<ChildProcess, Promise<unknown>>();

/** Kills every child still running (SIGKILL), at once; resolves when they are gone. */
export function killAllNow(): Promise<unknown> {
  for (const child of running.keys()) child.kill('SIGKILL');
  return Promise.all(running.values());
}

// Should this process end without stopping them (process.exit, an uncaught error), its children must not live on.
const killOnExit = (): void => void killAllNow();

function track(child: ChildProcess): void {
  if (running.size === 0) process.on('exit', killOnExit);
  const forget = (): void => {
    running.delete(child);
    if (running.size === 0) process.removeListener('exit', killOnExit);
  };
  // A child that failed to spawn emits 'error' and no 'exit': it is not running either.
  running.set(child, once(child, 'exit').then(forget, forget));
}

/** Signals this soon after the first are the same Ctrl-C: `npm run` forwards the terminal's SIGINT, which we also get. */
const SAME_SIGNAL_MS = 300;
/** SIGKILL takes effect at once; the bound only guards against waiting forever for an exit event. */
const KILLED_WITHIN_MS = 2_000;

/**
 * The one shutdown path of a process with children: the first SIGINT or SIGTERM runs `stop` (a clean stop, in order);
 * another one while it runs kills every child at once and exits once they are gone, leaving no orphan behind.
 */
export function handleStopSignals(stop: () => Promise<void>, log: Log): void {
  let firstAt: number | undefined;
  const onSignal = (name: NodeJS.Signals): void => {
    if (firstAt === undefined) {
      firstAt = Date.now();
      void stop();
    } else if (Date.now() - firstAt >= SAME_SIGNAL_MS) {
      log.warn(`${name} again: killing the remaining processes now`);
      const exit = () => process.exit(130);
      void Promise.race([killAllNow(), new Promise((resolve) => setTimeout(resolve, KILLED_WITHIN_MS))]).then(
        exit,
        exit,
      );
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Starts `node --import tsx <script>` as a child process whose output lines go to `onLine`. */
export function startTsProcess(options: StartOptions): ManagedProcess {
  // tsx as a loader inside this one process, not the tsx CLI: the CLI runs the script in a grandchild, which a
  // SIGKILL of the child (a crash test) would leave running.
  const child = spawn(process.execPath, ['--import', 'tsx', options.script, ...(options.args ?? [])], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a Ctrl-C in the terminal reaches only the parent, which stops the children in
    // data-flow order (one shutdown path) instead of all of them at once.
    detached: true,
  });
  track(child);
  const onLine = options.onLine ?? ((line: string) => console.log(demoLine(options.name, line)));
  createInterface({ input: child.stdout }).on('line', (line) => onLine(line, 'stdout'));
  createInterface({ input: child.stderr }).on('line', (line) => onLine(line, 'stderr'));
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });

  const stop = async (graceMs = 10_000): Promise<number | string> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    }
    return exited;
  };
  return { name: options.name, child, exited, stop };
}
