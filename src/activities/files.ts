import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes a file atomically: a temp file in the same directory, then rename. A reader never sees half a snapshot,
 * and a retried activity simply replaces the file of the same name.
 */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  // Leading dot: `ls counts-*` and other readers never pick up a temp file.
  const temp = join(dir, `.${randomUUID()}.tmp`);
  try {
    await writeFile(temp, content, 'utf8');
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, the format of the original job's pprint header (UTC: the same on every host). */
export function formatBatchTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
