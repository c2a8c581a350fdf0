/** `npm run emulator`: runs the X API v2 emulator until interrupted and prints the variables that point at it. */
import { processEnv } from '../config/env';
import { readLogLevel } from '../config/logging';
import { createLog, errorMessage } from '../shared/log';
import { readEmulatorSettings } from './config';
import { DEFAULT_EMULATOR_TOKEN, startEmulator } from './server';

const log = createLog('emulator');

async function main(): Promise<void> {
  const env = processEnv();
  readLogLevel(env); // an invalid LOG_LEVEL stops the emulator here, naming it
  const { options, tokenFromEnv, manualClock } = readEmulatorSettings(env);
  const { plan, seed, minuteSeconds } = options;
  const emulator = await startEmulator(options);
  const clock = manualClock
    ? 'manual clock: POST /__admin/advance moves it'
    : `one simulated minute = ${minuteSeconds} s`;
  const lines = [
    `X API v2 emulator on ${emulator.url} (plan ${plan}, seed ${seed}, ${clock})`,
    'Point the project at it with:',
    `  export X_API_BASE_URL=${emulator.url}`,
    `  export X_API_CA_FILE=${emulator.caFile}`,
    // A token taken from the environment may be real: never echo it.
    tokenFromEnv
      ? '  (X_BEARER_TOKEN is already set; the emulator accepts that value)'
      : `  export X_BEARER_TOKEN=${DEFAULT_EMULATOR_TOKEN}`,
    `Ground truth and fault injection: ${emulator.url}/__admin/state (see docs/x-emulator.md)`,
  ];
  // What to do with it, for the user to read and copy: stdout, plain text.
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error(`shutdown failed: ${errorMessage(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  log.error(errorMessage(error));
  process.exit(1);
});
