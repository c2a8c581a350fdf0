/** `npm run dashboard`: the live dashboard, its own process and consumer group (see README, "Dashboard"). */
import { processEnv } from '../config/env';
import { consoleLog, errorMessage } from '../kafka/log';
import { readDashboardConfig } from './config';
import { startDashboard } from './service';

async function main(): Promise<void> {
  const config = readDashboardConfig(processEnv());
  const dashboard = await startDashboard(config, consoleLog);
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
  console.error(`dashboard: ${errorMessage(error)}`);
  process.exit(1);
});
