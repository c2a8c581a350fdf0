/** `npm run dashboard`: the live dashboard, its own process and consumer group (see README, "Dashboard"). */
import { processEnv } from '../config/env';
import { readLogLevel } from '../config/logging';
import { waitForKafka } from '../kafka/client';
import { createLog, errorMessage } from '../shared/log';
import { readDashboardConfig } from './config';
import { startDashboard } from './service';

const log = createLog('dashboard');

async function main(): Promise<void> {
  const env = processEnv();
  readLogLevel(env); // an invalid LOG_LEVEL stops the dashboard here, naming it
  const config = readDashboardConfig(env);
  // Kafka may still be starting: wait for it, within a bound, then fail naming KAFKA_BROKERS.
  await waitForKafka(config.kafka, { waitMs: config.startupWaitMs, log });
  const dashboard = await startDashboard(config, log);
  // One shutdown path: a signal or a consumer that gave up both end in stop(), once.
  const shutdown = async (code: number) => {
    await dashboard.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  void dashboard.crashed.then(() => shutdown(1));
}

main().catch((error: unknown) => {
  log.error(errorMessage(error));
  process.exit(1);
});
