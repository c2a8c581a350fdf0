import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { requireTestServer } from '../support/services';
import type { smokeSleep } from './smoke-workflows';

/** Proves the Java time-skipping test server from Maven Central works with the SDK's test environment. */
describe('Temporal time-skipping test server (real, Java)', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: requireTestServer() } },
    });
  });

  afterAll(async () => {
    await env?.teardown();
  });

  it('a workflow that sleeps 15 minutes finishes in seconds of wall time', async () => {
    const taskQueue = `smoke-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('./smoke-workflows'),
    });
    const wallStart = Date.now();
    const skewStart = await env.currentTimeMs();
    const sleptMs = await worker.runUntil(
      env.client.workflow.execute<typeof smokeSleep>('smokeSleep', {
        taskQueue,
        workflowId: `smoke-sleep-${randomUUID()}`,
      }),
    );
    const wallMs = Date.now() - wallStart;

    expect(sleptMs).toBeGreaterThanOrEqual(15 * 60_000);
    expect((await env.currentTimeMs()) - skewStart).toBeGreaterThanOrEqual(15 * 60_000);
    // The point of the server: 15 minutes of workflow time cost far less than a minute of real time.
    expect(wallMs).toBeLessThan(60_000);
  });
});
