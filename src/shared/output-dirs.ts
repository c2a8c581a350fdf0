/**
 * Where a tracking workflow's files go: one folder per workflow id under the configured base directory, so two
 * workflows (a demo run beside the real one, say) never write the same paths. Pure: the worker's activities and the
 * demo, which prints the folder, compute it the same way.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** Characters kept as they are; every other byte is written `%HH`, so two different ids never share a folder. */
const SAFE = /^[A-Za-z0-9_.-]$/;
/** Longer names are cut and end in a hash of the whole id (file systems allow 255 bytes per name). */
const MAX_NAME = 200;

/** `join(baseDir, workflowId)` with the id made safe as one path segment on any file system. */
export function outputDirFor(baseDir: string, workflowId: string): string {
  return join(baseDir, pathSafeName(workflowId));
}

/** The id as one path segment: no separators, never `.`, `..` or hidden, at most 200 characters, one id per name. */
export function pathSafeName(workflowId: string): string {
  let name = '';
  for (const char of workflowId) name += SAFE.test(char) ? char : percentEncode(char);
  // A leading dot would hide the folder, or (alone or doubled) name the current or the parent folder.
  if (name.startsWith('.')) name = `%2E${name.slice(1)}`;
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(workflowId).digest('hex').slice(0, 16);
  return `${name.slice(0, MAX_NAME - hash.length - 1)}~${hash}`;
}

function percentEncode(char: string): string {
  return Array.from(Buffer.from(char, 'utf8'), (byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(
    '',
  );
}
