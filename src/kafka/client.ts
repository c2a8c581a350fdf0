import { Kafka, logLevel } from 'kafkajs';
import type { KafkaSettings } from './config';

/** A kafkajs client for our settings; kafkajs logs only errors so ours stay readable. */
export function createKafka(settings: KafkaSettings): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.ERROR,
    // The broker may still be starting when a process comes up: keep retrying for about a minute.
    retry: { initialRetryTime: 300, retries: 10 },
  });
}
