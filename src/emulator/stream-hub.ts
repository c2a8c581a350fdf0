import type { ServerResponse } from 'node:http';
import type { EmTweet } from './model';
import { type FieldSelection, renderIncludes, renderTweet } from './render';
import type { RuleStore, StoredRule } from './rules';
import type { Simulation } from './simulation';
import type { UsageLedger } from './usage';

interface Connection {
  res: ServerResponse;
  selection: FieldSelection;
  heartbeat: NodeJS.Timeout;
  /** Set when the emulator itself ends the connection (a drop fault, shutdown): no linger then. */
  closedByServer?: boolean;
}

/** X's message before it closes a stream for its own reasons. */
const OPERATIONAL_DISCONNECT = {
  errors: [
    {
      title: 'operational-disconnect',
      disconnect_type: 'OperationalDisconnect',
      detail: 'This stream has been disconnected for operational reasons.',
      type: 'https://api.twitter.com/2/problems/operational-disconnect',
    },
  ],
};

/** The open filtered-stream connections: heartbeats, delivery of matching posts, and forced drops. */
export class StreamHub {
  private readonly connections = new Set<Connection>();
  /** Until when each connection a client went away from still holds its slot (epoch ms). */
  private lingering: number[] = [];

  constructor(
    private readonly simulation: Simulation,
    private readonly rules: RuleStore,
    private readonly heartbeatMs: number,
    private readonly usage: UsageLedger,
    /** How long X keeps a connection the client left (it cannot tell a dead client from a slow one). */
    public lingerMs: number = 0,
  ) {
    simulation.onPost((tweet) => this.deliver(tweet));
  }

  /** Open connections. */
  get size(): number {
    return this.connections.size;
  }

  /** Slots in use: open connections plus those a client left less than `lingerMs` ago. */
  occupied(): number {
    const now = Date.now();
    this.lingering = this.lingering.filter((until) => until > now);
    return this.connections.size + this.lingering.length;
  }

  /** Starts streaming on `res`, first replaying matching posts of the last `backfillMinutes` simulated minutes. */
  open(res: ServerResponse, selection: FieldSelection, backfillMinutes: number, headers: Record<string, string>): void {
    res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' });
    res.socket?.setNoDelay(true);
    const connection: Connection = {
      res,
      selection,
      // X's keep-alive is a bare CRLF; clients use its absence to detect a stalled connection.
      heartbeat: setInterval(() => res.write('\r\n'), this.heartbeatMs),
    };
    this.connections.add(connection);
    res.on('close', () => {
      if (!connection.closedByServer && this.connections.has(connection) && this.lingerMs > 0)
        this.lingering.push(Date.now() + this.lingerMs);
      this.forget(connection);
    });
    if (backfillMinutes > 0) {
      const from = this.simulation.elapsedMinutes - backfillMinutes;
      for (const tweet of this.simulation.posted) if (tweet.minute >= from) this.send(connection, tweet);
    }
    res.write('\r\n');
  }

  /** Drops every connection: abruptly (socket reset) or X-style with an operational-disconnect message. */
  drop(operational = false): number {
    const count = this.connections.size;
    for (const connection of [...this.connections]) {
      connection.closedByServer = true;
      this.forget(connection);
      if (operational) connection.res.end(JSON.stringify(OPERATIONAL_DISCONNECT) + '\r\n');
      else connection.res.socket?.destroy();
    }
    return count;
  }

  private forget(connection: Connection): void {
    clearInterval(connection.heartbeat);
    this.connections.delete(connection);
  }

  /** Forgets lingering slots (an admin reset). */
  clearLinger(): void {
    this.lingering = [];
  }

  private deliver(tweet: EmTweet): void {
    for (const connection of this.connections) this.send(connection, tweet);
  }

  private send(connection: Connection, tweet: EmTweet): void {
    const originalAuthorId = tweet.retweetedId ? this.simulation.tweets.get(tweet.retweetedId)?.authorId : undefined;
    const matched: StoredRule[] = this.rules.matching(tweet, this.simulation.users, originalAuthorId);
    // Past the monthly cap X stops delivering (and billing) posts.
    if (matched.length === 0 || this.usage.capReached()) return;
    const payload: Record<string, unknown> = { data: renderTweet(tweet, connection.selection.tweetFields) };
    const includes = renderIncludes([tweet], connection.selection, this.simulation.tweets, this.simulation.users);
    if (includes) payload.includes = includes;
    payload.matching_rules = matched.map((rule) => ({ id: rule.id, tag: rule.tag ?? '' }));
    // X's framing: one JSON object, then CRLF, in one write.
    connection.res.write(JSON.stringify(payload) + '\r\n');
    this.usage.streamPost(tweet.id);
  }
}
