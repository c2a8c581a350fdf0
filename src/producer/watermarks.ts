/**
 * Per followed user, the newest tweet id known at each stage (pure logic, no I/O): received from X, acknowledged
 * by Kafka, saved to the progress topic. A catch-up after a gap reads the timeline from the newest id received; the
 * saved mark, which a restart resumes from, only moves to an acknowledged id while no catch-up of that user is
 * open, so a crash can never leave a missed post below it.
 */
import { compareIds } from '../domain/tweet-id';

/** Saved for a user whose timeline was empty when first followed: "catch up everything". */
export const EMPTY_TIMELINE_MARK = '0';

const newer = (a: string | undefined, b: string): boolean => a === undefined || compareIds(b, a) > 0;

export class Watermarks {
  private readonly saved = new Map<string, string>();
  private readonly acked = new Map<string, string>();
  private readonly received = new Map<string, string>();
  private readonly holds = new Map<string, number>();

  constructor(saved: ReadonlyMap<string, string> = new Map()) {
    for (const [user, id] of saved) this.saved.set(user, id);
  }

  /** True once the user has a mark (saved, or a tweet seen): a gap of theirs can be caught up. */
  knows(user: string): boolean {
    return this.saved.has(user) || this.received.has(user);
  }

  /** The `since_id` of a catch-up: the newest id seen of the user; undefined = the whole timeline. */
  sinceId(user: string): string | undefined {
    let best: string | undefined;
    for (const id of [this.saved.get(user), this.acked.get(user), this.received.get(user)]) {
      if (id !== undefined && id !== EMPTY_TIMELINE_MARK && newer(best, id)) best = id;
    }
    return best;
  }

  /** A tweet of `user` came in (stream or timeline). */
  noteReceived(user: string, id: string): void {
    if (newer(this.received.get(user), id)) this.received.set(user, id);
  }

  /** A tweet of `user` was acknowledged by Kafka. */
  noteAcked(user: string, id: string): void {
    if (newer(this.acked.get(user), id)) this.acked.set(user, id);
  }

  /** Sets a baseline mark (first follow) that is saved as is. */
  setBaseline(user: string, id: string): void {
    this.saved.set(user, id);
  }

  /** Holds the saved marks of `users` until the returned release is called (a catch-up is open). */
  hold(users: readonly string[]): () => void {
    for (const user of users) this.holds.set(user, (this.holds.get(user) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const user of users) {
        const left = (this.holds.get(user) ?? 1) - 1;
        if (left <= 0) this.holds.delete(user);
        else this.holds.set(user, left);
      }
    };
  }

  /** Marks to save now: acknowledged ids newer than the saved ones, of users with no open catch-up. */
  dueForSave(): Map<string, string> {
    const due = new Map<string, string>();
    for (const [user, id] of this.acked) {
      if (this.holds.has(user)) continue;
      const saved = this.saved.get(user);
      if (saved === undefined || saved === EMPTY_TIMELINE_MARK || compareIds(id, saved) > 0) due.set(user, id);
    }
    return due;
  }

  /** Records that `marks` reached the progress topic. */
  markSaved(marks: ReadonlyMap<string, string>): void {
    for (const [user, id] of marks)
      if (newer(this.saved.get(user), id) || this.saved.get(user) === EMPTY_TIMELINE_MARK) this.saved.set(user, id);
  }
}
