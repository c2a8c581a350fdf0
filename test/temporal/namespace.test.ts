import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { WORKFLOW_TYPE } from '../../src/shared/names';
import { readTemporalConfig } from '../../src/temporal/config';
import { TEST_NAMESPACE } from '../support/namespace';
import { requireTemporal } from '../support/services';

/** The suite's workflows stay out of the `default` namespace, where a user's `temporal workflow list` looks. */
describe('the test namespace', () => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await Connection.connect({ address: await requireTemporal() });
  });
  afterAll(async () => connection?.close());

  it('is what the product code and the spawned processes read from the environment', () => {
    expect(process.env.TEMPORAL_NAMESPACE).toBe(TEST_NAMESPACE);
    expect(readTemporalConfig(process.env).namespace).toBe(TEST_NAMESPACE);
  });

  it('holds a workflow a test starts; the default namespace never lists it', async () => {
    const tests = new Client({ connection, namespace: readTemporalConfig(process.env).namespace });
    const workflowId = `namespace-test-${randomUUID()}`;
    // No worker: the workflow only has to exist.
    const handle = await tests.workflow.start(WORKFLOW_TYPE, {
      taskQueue: `namespace-test-${randomUUID()}`,
      workflowId,
      args: [{}],
    });
    try {
      const ids = async (namespace: string) => {
        const found: string[] = [];
        for await (const w of new Client({ connection, namespace }).workflow.list({
          query: `WorkflowId = '${workflowId}'`,
        }))
          found.push(w.workflowId);
        return found;
      };
      // Visibility is eventually consistent: wait until the test namespace lists it, then look in `default`.
      const deadline = Date.now() + 20_000;
      while ((await ids(TEST_NAMESPACE)).length === 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await ids(TEST_NAMESPACE)).toEqual([workflowId]);
      expect(await ids('default')).toEqual([]);
      await expect(
        new Client({ connection, namespace: 'default' }).workflow.getHandle(workflowId).describe(),
      ).rejects.toThrow(/not found/i);
    } finally {
      await handle.terminate('test over').catch(() => undefined);
    }
  });
});
