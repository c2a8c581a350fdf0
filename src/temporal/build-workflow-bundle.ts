/** `npm run build:workflows`: prebuilds the workflow bundle the production worker loads (no webpack at start-up). */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { processEnv } from '../config/env';
import { readWorkflowBundlePath } from './config';
import { WORKFLOWS_PATH } from './tracking-worker';

async function main(): Promise<void> {
  const bundlePath = readWorkflowBundlePath(processEnv());
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  await mkdir(dirname(bundlePath), { recursive: true });
  await writeFile(bundlePath, code);
  console.log(`workflow bundle written to ${bundlePath} (${(code.length / 1024).toFixed(0)} KiB)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
