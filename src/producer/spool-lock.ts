/**
 * One producer per spool directory: two producers appending to and compacting the same files would each replay,
 * and truncate, what the other has not had acknowledged yet. The lock is a file holding the owner's pid (and, on
 * Linux, its start time, so a recycled pid is not mistaken for the owner); a lock whose owner is gone (a SIGKILL
 * leaves it behind) is stale and taken over.
 */
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Log } from '../shared/log';

export const LOCK_FILE = 'producer.lock';

interface LockOwner {
  pid: number;
  /** `/proc/<pid>/stat` start time (clock ticks since boot); absent where /proc is not. */
  startTime?: string;
}

/** The spool directory is in use by a live producer. */
export class SpoolLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly ownerPid: number,
  ) {
    super(
      `the spool directory ${dir} is in use by another producer (pid ${ownerPid}, lock file ${join(dir, LOCK_FILE)}): stop that one, or give this one its own directory`,
    );
    this.name = 'SpoolLockedError';
  }
}

/** Directories this process holds: a second spool on one of them in the same process is refused too. */
const heldHere = new Set<string>();

/** A process's start time from /proc, undefined where unavailable (then the pid alone decides). */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses); the start time is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function isAlive(owner: LockOwner): boolean {
  // Our own pid in a lock we do not hold: a previous incarnation with the same pid (a container restart).
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it exists, owned by another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTimeOf(owner.pid);
  return owner.startTime === undefined || now === undefined || now === owner.startTime;
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    return Number.isInteger(value.pid) && (value.pid as number) > 0
      ? { pid: value.pid as number, startTime: value.startTime }
      : undefined;
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Takes the lock of `dir` for this process (taking over a stale one); returns its release. */
export function lockSpoolDir(dir: string, log: Log): () => void {
  if (heldHere.has(dir)) throw new SpoolLockedError(dir, process.pid);
  const path = join(dir, LOCK_FILE);
  const mine = JSON.stringify({ pid: process.pid, startTime: startTimeOf(process.pid) } satisfies LockOwner);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(path, mine, { flag: 'wx' });
      heldHere.add(dir);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        heldHere.delete(dir);
        if (readText(path) === mine) unlinkSync(path);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const found = readText(path);
    if (found === undefined) continue;
    const owner = parseOwner(found);
    if (owner && isAlive(owner)) throw new SpoolLockedError(dir, owner.pid);
    log.warn(
      `Spool lock ${path} is stale (${owner ? `pid ${owner.pid} is not running` : 'unreadable'}): taking it over`,
    );
    // Moved aside, then checked: of two producers taking over the same stale lock at once, only the one that
    // moved the stale content removes it; the other puts back what it moved (the winner's fresh lock).
    const aside = `${path}.stale-${process.pid}`;
    try {
      renameSync(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if (readText(aside) !== found) {
      try {
        linkSync(aside, path);
      } catch {
        // Someone holds the lock again already: theirs stays.
      }
    }
    unlinkSync(aside);
  }
  throw new Error(`could not take the spool lock ${path}: it kept changing hands`);
}
