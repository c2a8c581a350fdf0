/**
 * The X emulator in its own process (`npm run emulator`), for benchmarks that must not share an event loop or a heap
 * with it. Started through the shared child-process helper; the bench picks the port, CA file and token, so nothing
 * is read back from the emulator's human output.
 */
import { resolve } from 'node:path';
import { startTsProcess } from '../src/demo/child-processes';
import { DEFAULT_EMULATOR_TOKEN } from '../src/emulator';
import { freePort, portAnswers, waitUntil } from './chaos/ports';

export interface EmulatorProcess {
  url: string;
  caFile: string;
  bearerToken: string;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

/** Output lines kept to explain an early exit. */
const TAIL_LINES = 20;

/**
 * Starts `src/emulator/main.ts` with `env` (X_EMULATOR_* settings) and resolves once it accepts connections.
 * The emulator writes its certificate to `caFile`; its own lines are shown only if it fails.
 */
export async function startEmulatorProcess(caFile: string, env: Record<string, string>): Promise<EmulatorProcess> {
  const port = await freePort();
  const tail: string[] = [];
  const managed = startTsProcess({
    name: 'x-emulator',
    script: resolve(__dirname, '../src/emulator/main.ts'),
    // The emulator's own token, never a real one that may be in this environment.
    env: {
      ...process.env,
      ...env,
      X_EMULATOR_PORT: String(port),
      X_API_CA_FILE: caFile,
      X_BEARER_TOKEN: DEFAULT_EMULATOR_TOKEN,
    },
    onLine: (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    },
  });
  let exit: number | string | undefined;
  void managed.exited.then((code) => (exit = code));
  try {
    await waitUntil(
      `the X emulator on port ${port}`,
      async () => {
        if (exit !== undefined)
          throw new Error(`the X emulator exited with ${exit} before it served:\n${tail.join('\n')}`);
        return portAnswers(port);
      },
      30_000,
    );
  } catch (error) {
    await managed.stop();
    throw error;
  }
  return {
    url: `https://127.0.0.1:${port}`,
    caFile,
    bearerToken: DEFAULT_EMULATOR_TOKEN,
    stop: async () => void (await managed.stop()),
  };
}
