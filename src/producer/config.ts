import { readIdList, readInteger, readString, type Env } from '../config/env';
import { DEFAULT_FOLLOWED_USER_IDS } from '../domain/followed-users';
import { readKafkaSettings, readTopicNames, type KafkaSettings, type TopicNames } from '../kafka/config';
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
  /** `--replay <file.jsonl>`: publish the file's tweets instead of reading the X stream. */
  replayFile?: string;
}

/**
 * Reads KAFKA_*, FOLLOWED_USER_IDS, TEMPORAL_*, TRACKING_WORKFLOW_ID, PRODUCER_FOLLOWED_POLL_SECONDS (5) and
 * PRODUCER_MAX_QUEUED (10,000), and `--replay <file>` from the arguments.
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
