import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

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
  /** Called with each output line; default: print it with the process name in front. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
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
  // Should the parent die without stopping it, the child must not live on.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void once(child, 'exit').then(() => process.removeListener('exit', killOnExit));
  const onLine = options.onLine ?? ((line: string) => console.log(`[${options.name}] ${line}`));
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
