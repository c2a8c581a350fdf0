/** Workflows that exist only to prove the Temporal servers work; the product's workflow is in src/workflows. */
import { proxyActivities, sleep } from '@temporalio/workflow';

const { greet } = proxyActivities<{ greet(name: string): Promise<string> }>({ startToCloseTimeout: '10 seconds' });

/** Calls one activity: proves a real worker runs workflow and activity tasks. */
export async function smokeGreeting(name = 'world'): Promise<string> {
  return await greet(name);
}

/** Sleeps 15 minutes of workflow time: under time skipping this takes seconds. */
export async function smokeSleep(): Promise<number> {
  const started = Date.now();
  await sleep('15 minutes');
  return Date.now() - started;
}
