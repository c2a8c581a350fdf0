import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { syncDirectory } from '../shared/sync-directory';

const TEMP_FILE = /^\..*\.tmp$/;

/**
 * Writes a file atomically and durably: a temp file in the same directory, fsynced, renamed over the target, then
 * the directory fsynced. A reader never sees half a snapshot, a crash never leaves an empty one, and a retried
 * activity simply replaces the file of the same name. `beforeRename` may veto the rename (a late attempt).
 */
export async function writeFileAtomic(path: string, content: string, beforeRename?: () => boolean): Promise<boolean> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  // Leading dot: `ls counts-*` and other readers never pick up a temp file.
  const temp = join(dir, `.${randomUUID()}.tmp`);
  try {
    const file = await open(temp, 'w');
    try {
      await file.writeFile(content, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    if (beforeRename && !beforeRename()) {
      await rm(temp, { force: true });
      return false;
    }
    await rename(temp, path);
    await syncDirectory(dir);
    return true;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Removes temp files a killed writer left behind, in the directories and their workflows' folders; run once when a
 * worker starts, before any activity.
 */
export async function removeStaleTempFiles(dirs: readonly string[]): Promise<number> {
  let removed = 0;
  for (const dir of dirs) {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.isDirectory()) removed += await removeStaleTempFiles([join(dir, entry.name)]);
      else if (TEMP_FILE.test(entry.name)) {
        await rm(join(dir, entry.name), { force: true });
        removed += 1;
      }
    }
  }
  return removed;
}
