import { open } from 'node:fs/promises';

/** Syncs a directory: a file created, renamed or removed in it survives a crash only once this returns. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
