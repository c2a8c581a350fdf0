import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Log } from '../shared/log';
import { streamTweets, syncStreamRules, toObservedTweet, type XClient } from '../x';
import type { SourceHooks, TweetSource } from './producer';

/**
 * Tweets from a JSON-lines file, one object per line: an `ObservedTweet` or a `tweets` record value (its `v` is
 * ignored). Blank lines are skipped; a line that is not JSON is logged and skipped.
 */
export function replaySource(path: string, log: Log): TweetSource {
  return {
    description: `replay of ${path}`,
    async *tweets(signal: AbortSignal) {
      const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
      let lineNumber = 0;
      try {
        for await (const line of lines) {
          if (signal.aborted) return;
          lineNumber++;
          if (line.trim() === '') continue;
          let item: unknown;
          try {
            item = JSON.parse(line);
          } catch {
            log.warn(`${path}:${lineNumber}: not JSON, skipped`);
            continue;
          }
          yield item;
        }
      } finally {
        lines.close();
      }
    },
  };
}

/**
 * The X filtered stream: first makes the stream rules match the followed users, then streams until aborted. Each
 * (re)connection is reported through `hooks.onConnected`, so the producer can catch up what the gap missed.
 */
export function xStreamSource(client: XClient, userIds: () => readonly string[], log: Log): TweetSource {
  return {
    description: 'the X filtered stream',
    async *tweets(signal: AbortSignal, hooks?: SourceHooks) {
      const users = userIds();
      const rules = await syncStreamRules(client, users);
      log.info(
        `Stream rules synced for ${users.length} followed users: ${rules.added.length} added, ${rules.deleted.length} deleted, ${rules.kept.length} kept`,
      );
      const stream = streamTweets(client, {
        signal,
        onEvent: (event) => {
          if (event.type === 'keep-alive') return;
          if (event.type === 'connection-lost') hooks?.onDisconnected?.();
          const detail = 'message' in event ? `: ${event.message}` : '';
          if (event.type === 'connected' || event.type === 'reconnected') {
            log.info(`X stream ${event.type}`);
            hooks?.onConnected?.();
          } else log.warn(`X stream ${event.type}${detail}`);
        },
      });
      for await (const tweet of stream) yield toObservedTweet(tweet);
    },
  };
}
