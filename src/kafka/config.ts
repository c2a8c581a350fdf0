import { Env, readHostPortList, readInteger, readString } from '../config/env';

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
