/**
 * The followed users, read from the tracking workflow (the one source of truth) with its `followedUsers` query:
 * at start, then every few seconds. Before the workflow exists, the seed (FOLLOWED_USER_IDS) stands in; while no
 * worker answers the query, the last list is kept.
 */
import type { Client } from '@temporalio/client';
import { errorMessage, type Log } from '../shared/log';
import { followedUsers } from '../workflows/definitions';

export interface FollowedUsersOptions {
  /** Connects to Temporal (again after a failure); undefined = no Temporal, the seed only. */
  connect?: () => Promise<Client>;
  workflowId: string;
  /** FOLLOWED_USER_IDS: the list until the workflow answers. */
  seed: readonly string[];
  /** How often to ask the workflow (default 5 s). */
  pollMs?: number;
  /** A query answered within this or not at all (default 5 s): no worker means no answer. */
  queryTimeoutMs?: number;
  /** The list changed (not called for the first read). */
  onChange?: (users: readonly string[], added: readonly string[], removed: readonly string[]) => void | Promise<void>;
  log: Log;
}

type Answer = { kind: 'list'; users: string[] } | { kind: 'no-workflow' } | { kind: 'no-answer'; error: unknown };

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((id, i) => id === b[i]);

/** Polls the workflow's followed users; `current()` is always a usable list. */
export class FollowedUsers {
  private users: string[];
  private client: Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();
  private lastProblem: string | undefined;
  private stopped = false;

  constructor(private readonly options: FollowedUsersOptions) {
    this.users = [...new Set(options.seed)].sort();
  }

  current(): readonly string[] {
    return this.users;
  }

  /** The first read (the seed if the workflow does not answer), then polling. */
  async start(): Promise<readonly string[]> {
    await this.poll(false);
    this.schedule();
    return this.users;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
    await this.client?.connection.close().catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll(true).finally(() => this.schedule());
    }, this.options.pollMs ?? 5000);
    this.timer.unref();
  }

  private async poll(notify: boolean): Promise<void> {
    const answer = await this.ask();
    if (answer.kind === 'no-answer') {
      // Logged once per kind of problem, not every poll.
      const problem = errorMessage(answer.error);
      if (problem !== this.lastProblem) {
        this.lastProblem = problem;
        this.options.log.warn(
          `The followed users could not be read from workflow ${this.options.workflowId} (${problem}): keeping the last list (${this.users.length} users)`,
          {
            workflowId: this.options.workflowId,
          },
        );
      }
      return;
    }
    if (answer.kind === 'no-workflow') {
      if (this.lastProblem !== 'no-workflow') {
        this.lastProblem = 'no-workflow';
        this.options.log.info(
          `Workflow ${this.options.workflowId} does not exist yet: following the ${this.users.length} users of FOLLOWED_USER_IDS`,
          {
            workflowId: this.options.workflowId,
          },
        );
      }
      return;
    }
    this.lastProblem = undefined;
    const next = [...new Set(answer.users)].sort();
    if (sameList(next, this.users)) return;
    const added = next.filter((id) => !this.users.includes(id));
    const removed = this.users.filter((id) => !next.includes(id));
    this.users = next;
    this.options.log.info(
      `Followed users from workflow ${this.options.workflowId}: ${next.length} (${added.length} added, ${removed.length} removed)`,
      {
        workflowId: this.options.workflowId,
      },
    );
    if (notify) await this.options.onChange?.(next, added, removed);
  }

  private async ask(): Promise<Answer> {
    if (!this.options.connect) return { kind: 'no-workflow' };
    try {
      this.client ??= await this.options.connect();
      const client = this.client;
      const users = await client.withDeadline(Date.now() + (this.options.queryTimeoutMs ?? 5000), () =>
        client.workflow.getHandle(this.options.workflowId).query(followedUsers),
      );
      return { kind: 'list', users };
    } catch (error) {
      if ((error as Error)?.name === 'WorkflowNotFoundError') return { kind: 'no-workflow' };
      return { kind: 'no-answer', error };
    }
  }
}
