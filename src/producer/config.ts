import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, readIdList, readInteger, readString, type Env } from '../config/env';
import { readStartupWaitMs } from '../config/startup-wait';
import { DEFAULT_FOLLOWED_USER_IDS } from '../domain/followed-users';
import { readKafkaSettings, readTopicNames, type KafkaSettings, type TopicNames } from '../kafka/config';
import { readMetricsEndpoint, type MetricsEndpoint } from '../metrics/settings';
import { DEFAULT_WORKFLOW_ID } from '../shared/names';
import { readTemporalConfig, type TemporalConfig } from '../temporal/config';

/** What the producer reads from the environment and its command line. */
export interface ProducerSettings {
  kafka: KafkaSettings;
  /** Publishes to `tweets` and keeps its marks in `progress`; names the dead-letter topic only to create it. */
  topics: TopicNames;
  /** The seed: followed users until the workflow answers its `followedUsers` query. */
  followedUserIds: string[];
  temporal: TemporalConfig;
  workflowId: string;
  /** How often the followed users are read from the workflow. */
  followedPollMs: number;
  /** Records held in memory at most while Kafka refuses; then the stream is not read. */
  maxQueued: number;
  /** How long to wait at start for Kafka (STARTUP_WAIT_SECONDS). */
  startupWaitMs: number;
  /** A user never seen before: their posts of this long before the first start are published too (0: none). */
  backfillMs: number;
  /** Event-time watermarks of the stream: how often, and how far behind the clock (X's delivery delay). */
  watermarks: { intervalMs: number; delayMs: number };
  /**
   * Where received posts wait, on disk, for Kafka's acknowledgement (absolute). Used in the X stream mode only: a
   * replay file can simply be replayed again.
   */
  spoolDir: string;
  /** `--replay <file.jsonl>`: publish the file's tweets instead of reading the X stream. */
  replayFile?: string;
  /** Where `/metrics` is served (PRODUCER_METRICS_PORT, 9466, with METRICS_HOST); undefined when off. */
  metrics?: MetricsEndpoint;
}

/**
 * Reads KAFKA_*, FOLLOWED_USER_IDS, TEMPORAL_*, TRACKING_WORKFLOW_ID, PRODUCER_FOLLOWED_POLL_SECONDS (5),
 * PRODUCER_MAX_QUEUED (10,000), PRODUCER_BACKFILL_MINUTES (60) and PRODUCER_SPOOL_DIR (./data/producer-spool), and
 * `--replay <file>` from the arguments.
 */
export function readProducerSettings(env: Env, args: readonly string[]): ProducerSettings {
  const settings: ProducerSettings = {
    kafka: readKafkaSettings(env, 'retweet-tracker-producer'),
    topics: readTopicNames(env),
    followedUserIds: readIdList(env, 'FOLLOWED_USER_IDS', DEFAULT_FOLLOWED_USER_IDS),
    temporal: readTemporalConfig(env),
    workflowId: readString(env, 'TRACKING_WORKFLOW_ID', DEFAULT_WORKFLOW_ID),
    followedPollMs: readInteger(env, 'PRODUCER_FOLLOWED_POLL_SECONDS', 5, 1, 3600) * 1000,
    maxQueued: readInteger(env, 'PRODUCER_MAX_QUEUED', 10_000, 1, 1_000_000),
    startupWaitMs: readStartupWaitMs(env),
    watermarks: {
      intervalMs: readInteger(env, 'PRODUCER_WATERMARK_INTERVAL_MS', 1_000, 10, 60_000),
      // X delivers a post within a second or two of its created_at.
      delayMs: readInteger(env, 'PRODUCER_WATERMARK_DELAY_MS', 2_000, 0, 600_000),
    },
    metrics: readMetricsEndpoint(env, 'PRODUCER_METRICS_PORT'),
    // A week at most: X's own history of a timeline ends at 3,200 posts anyway.
    backfillMs: readInteger(env, 'PRODUCER_BACKFILL_MINUTES', 60, 0, 7 * 24 * 60) * 60_000,
    spoolDir: readSpoolDir(env),
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--replay' || arg.startsWith('--replay=')) {
      const file = arg === '--replay' ? args[++i] : arg.slice('--replay='.length);
      if (!file) throw new Error('--replay needs a file: --replay tweets.jsonl');
      settings.replayFile = file;
    } else {
      throw new Error(`Unknown argument "${arg}". Usage: npm run producer [-- --replay tweets.jsonl]`);
    }
  }
  return settings;
}

/** PRODUCER_SPOOL_DIR, absolute; it may not exist yet (it is created), but must not be something else than a directory. */
function readSpoolDir(env: Env): string {
  const dir = resolve(readString(env, 'PRODUCER_SPOOL_DIR', './data/producer-spool'));
  let isDirectory: boolean | undefined;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new ConfigError('PRODUCER_SPOOL_DIR', `"${dir}" cannot be used: ${(error as Error).message}`);
  }
  if (isDirectory === false) throw new ConfigError('PRODUCER_SPOOL_DIR', `must be a directory, but "${dir}" is a file`);
  return dir;
}
