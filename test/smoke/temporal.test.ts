import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { smokeGreeting } from './smoke-workflows';
import { STACK_CACHE_DIR, requireTemporal, temporalUiUrl } from '../support/services';
import { TEST_NAMESPACE } from '../support/namespace';

const run = promisify(execFile);
const TEMPORAL_CLI = join(STACK_CACHE_DIR, 'bin', 'temporal');

/** Proves the real Temporal dev server: a worker runs workflows, the CLI starts them by type, the Web UI lists them. */
describe('Temporal dev server (real)', () => {
  let address: string;
  let connection: Connection;
  let client: Client;
  let nativeConnection: NativeConnection;
  let workflowBundle: WorkflowBundleWithSourceMap;
  const taskQueue = `smoke-${randomUUID()}`;

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    address = await requireTemporal();
    connection = await Connection.connect({ address });
    client = new Client({ connection, namespace: TEST_NAMESPACE });
    nativeConnection = await NativeConnection.connect({ address });
    workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./smoke-workflows'),
      logger: new DefaultLogger('WARN'),
    });
  });

  afterAll(async () => {
    await nativeConnection?.close();
    await connection?.close();
  });

  const newWorker = () =>
    Worker.create({
      connection: nativeConnection,
      namespace: TEST_NAMESPACE,
      taskQueue,
      workflowBundle,
      activities: { greet: (name: string) => Promise.resolve(`hello, ${name}`) },
    });

  it('runs a workflow and its activity on a real worker; the history is readable through the client', async () => {
    const worker = await newWorker();
    const workflowId = `smoke-greeting-${randomUUID()}`;
    const result = await worker.runUntil(
      client.workflow.execute<typeof smokeGreeting>('smokeGreeting', { taskQueue, workflowId, args: ['kafka'] }),
    );
    expect(result).toBe('hello, kafka');

    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const types = (history.events ?? []).map((e) => e.eventType);
    // Event types are numeric enums: 1 = WorkflowExecutionStarted, 2 = WorkflowExecutionCompleted, 10 = ActivityTaskScheduled.
    expect(types[0]).toBe(1);
    expect(types).toContain(10);
    expect(types[types.length - 1]).toBe(2);
  });

  it('`temporal workflow start` by type name starts a workflow that a worker then runs', async () => {
    const worker = await newWorker();
    const workflowId = `smoke-cli-${randomUUID()}`;
    await run(TEMPORAL_CLI, [
      'workflow',
      'start',
      '--address',
      address,
      '--type',
      'smokeGreeting',
      '--task-queue',
      taskQueue,
      '--workflow-id',
      workflowId,
      '--input',
      '"cli"',
    ]);
    const result = await worker.runUntil(client.workflow.getHandle<typeof smokeGreeting>(workflowId).result());
    expect(result).toBe('hello, cli');
  });

  it('the Web UI serves its page and its HTTP API lists the smoke workflow', async () => {
    const worker = await newWorker();
    const workflowId = `smoke-ui-${randomUUID()}`;
    await worker.runUntil(client.workflow.execute<typeof smokeGreeting>('smokeGreeting', { taskQueue, workflowId }));

    const page = await fetch(`${temporalUiUrl()}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);

    // Visibility is eventually consistent: poll the UI's API until the workflow shows up.
    const query = encodeURIComponent(`WorkflowId="${workflowId}"`);
    let listed: { executions?: Array<{ execution?: { workflowId?: string } }> } = {};
    for (let attempt = 0; attempt < 50 && !listed.executions?.length; attempt++) {
      const response = await fetch(`${temporalUiUrl()}/api/v1/namespaces/${TEST_NAMESPACE}/workflows?query=${query}`);
      expect(response.status).toBe(200);
      listed = (await response.json()) as typeof listed;
      if (!listed.executions?.length) await new Promise((r) => setTimeout(r, 200));
    }
    expect(listed.executions?.map((e) => e.execution?.workflowId)).toEqual([workflowId]);
  });
});
