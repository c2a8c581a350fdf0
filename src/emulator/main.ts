/** `npm run emulator`: runs the X API v2 emulator until interrupted and prints the variables that point at it. */
import { processEnv, readInteger, readOptionalString, readPositiveNumber } from '../config/env';
import { defaultCaFile } from './certificates';
import { DEFAULT_EMULATOR_TOKEN, startEmulator } from './server';

async function main(): Promise<void> {
  const env = processEnv();
  const tokenFromEnv = readOptionalString(env, 'X_BEARER_TOKEN');
  const lookupLimit = readInteger(env, 'X_EMULATOR_LOOKUP_LIMIT', 450, 1);
  const minuteSeconds = readPositiveNumber(env, 'X_EMULATOR_MINUTE_SECONDS', 60);
  const seed = readInteger(env, 'X_EMULATOR_SEED', 1, 0, 2 ** 32 - 1);
  const emulator = await startEmulator({
    port: readInteger(env, 'X_EMULATOR_PORT', 8443, 0, 65535),
    seed,
    minuteSeconds,
    heartbeatSeconds: readPositiveNumber(env, 'X_EMULATOR_HEARTBEAT_SECONDS', 20),
    tweetsPerUserPerMinute: readPositiveNumber(env, 'X_EMULATOR_TWEETS_PER_MINUTE', 0.1),
    scenarioFile: readOptionalString(env, 'X_EMULATOR_SCENARIO'),
    bearerToken: tokenFromEnv ?? DEFAULT_EMULATOR_TOKEN,
    caFile: readOptionalString(env, 'X_API_CA_FILE') ?? defaultCaFile(),
    rateLimits: { tweets: { limit: lookupLimit, windowSeconds: 900 } },
  });
  const lines = [
    `X API v2 emulator on ${emulator.url} (seed ${seed}, one simulated minute = ${minuteSeconds} s)`,
    'Point the project at it with:',
    `  export X_API_BASE_URL=${emulator.url}`,
    `  export X_API_CA_FILE=${emulator.caFile}`,
    // A token taken from the environment may be real: never echo it.
    tokenFromEnv ? '  (X_BEARER_TOKEN is already set; the emulator accepts that value)' : `  export X_BEARER_TOKEN=${DEFAULT_EMULATOR_TOKEN}`,
    `Ground truth and fault injection: ${emulator.url}/__admin/state (see docs/x-emulator.md)`,
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`x-emulator: shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`x-emulator: ${(error as Error).message}`);
  process.exit(1);
});
