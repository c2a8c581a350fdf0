import { readIdList, type Env } from '../config/env';
import { DEFAULT_FOLLOWED_USER_IDS } from '../domain/followed-users';
import { readKafkaSettings, readTopicNames, type KafkaSettings, type TopicNames } from '../kafka/config';

/** What the producer reads from the environment and its command line. */
export interface ProducerSettings {
  kafka: KafkaSettings;
  /** Publishes to `tweets`; names the dead-letter topic only to create it with the rest. */
  topics: TopicNames;
  followedUserIds: string[];
  /** `--replay <file.jsonl>`: publish the file's tweets instead of reading the X stream. */
  replayFile?: string;
}

/** Reads KAFKA_* and FOLLOWED_USER_IDS, and `--replay <file>` from the arguments. */
export function readProducerSettings(env: Env, args: readonly string[]): ProducerSettings {
  const settings: ProducerSettings = {
    kafka: readKafkaSettings(env, 'retweet-tracker-producer'),
    topics: readTopicNames(env),
    followedUserIds: readIdList(env, 'FOLLOWED_USER_IDS', DEFAULT_FOLLOWED_USER_IDS),
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
