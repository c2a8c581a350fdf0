import { registerTestNamespace, TEST_NAMESPACE } from './namespace';
import { tcpAnswers, temporalAddress } from './services';

/**
 * Once per jest run: every test and every process a test spawns works in the test namespace (set here, before the
 * test files run, so they and their children inherit it). Without a dev server there is nothing to register; the
 * tests that need one fail with their own message (test/support/services.ts).
 */
export default async function globalSetup(): Promise<void> {
  process.env.TEMPORAL_NAMESPACE = TEST_NAMESPACE;
  const address = temporalAddress();
  if (await tcpAnswers(address)) await registerTestNamespace(address);
}
