import { Env, readHostPortList, readInteger, readString } from '../config/env';
import { DEAD_LETTER_TOPIC, TWEETS_TOPIC } from '../shared/names';

/** How every process of ours reaches Kafka. */
export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** Partitions of `tweets` when this process has to create it: the ceiling on parallel bridge instances. */
  tweetsPartitions: number;
}

/** Reads KAFKA_BROKERS, KAFKA_CLIENT_ID and KAFKA_TWEETS_PARTITIONS. */
export function readKafkaSettings(env: Env, clientIdFallback: string): KafkaSettings {
  return {
    brokers: readHostPortList(env, 'KAFKA_BROKERS', '127.0.0.1:9092'),
    clientId: readString(env, 'KAFKA_CLIENT_ID', clientIdFallback),
    tweetsPartitions: readInteger(env, 'KAFKA_TWEETS_PARTITIONS', 6, 1, 1000),
  };
}

/** The topic names a process uses; overridable so tests and benchmarks run on their own topics. */
export interface TopicNames {
  tweets: string;
  deadLetters: string;
  /** The producer's per-user progress (compacted): the newest tweet of each followed user it published. */
  progress?: string;
}

/** The progress topic belongs to its tweets topic: `<tweets topic>.progress` unless KAFKA_PROGRESS_TOPIC says otherwise. */
export const progressTopicFor = (tweetsTopic: string): string => `${tweetsTopic}.progress`;

/** Reads KAFKA_TWEETS_TOPIC, KAFKA_DEAD_LETTER_TOPIC and KAFKA_PROGRESS_TOPIC (default `tweets`, `tweets.dlq`, `<tweets>.progress`). */
export function readTopicNames(env: Env): TopicNames {
  const tweets = readString(env, 'KAFKA_TWEETS_TOPIC', TWEETS_TOPIC);
  return {
    tweets,
    deadLetters: readString(env, 'KAFKA_DEAD_LETTER_TOPIC', DEAD_LETTER_TOPIC),
    progress: readString(env, 'KAFKA_PROGRESS_TOPIC', progressTopicFor(tweets)),
  };
}
