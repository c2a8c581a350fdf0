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
}

/** Reads KAFKA_TWEETS_TOPIC and KAFKA_DEAD_LETTER_TOPIC (default `tweets` and `tweets.dlq`). */
export function readTopicNames(env: Env): TopicNames {
  return {
    tweets: readString(env, 'KAFKA_TWEETS_TOPIC', TWEETS_TOPIC),
    deadLetters: readString(env, 'KAFKA_DEAD_LETTER_TOPIC', DEAD_LETTER_TOPIC),
  };
}
