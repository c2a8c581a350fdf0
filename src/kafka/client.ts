import { Kafka, logLevel, type logCreator } from 'kafkajs';
import { abortableSleep } from '../shared/abortable-sleep';
import { ServiceUnreachableError } from '../shared/service-unreachable';
import type { KafkaSettings } from './config';
import { componentLog, errorMessage, type Log } from '../shared/log';
import { KafkaCredentialsError, reportRefusedCredentials, securityOptions } from './security';

/** kafkajs's own lines through our logger (one format for every line), with its namespace and fields. */
const kafkajsLog: logCreator = () => {
  const log = componentLog('kafkajs');
  return ({ namespace, level, log: { message, timestamp: _timestamp, logger: _logger, ...fields } }) => {
    const entry = { namespace, ...fields };
    if (level === logLevel.ERROR) log.error(String(message), entry);
    else if (level === logLevel.WARN) log.warn(String(message), entry);
    else log.info(String(message), entry);
  };
};

/** A kafkajs client for our settings; kafkajs logs only errors so ours stay readable. */
export function createKafka(settings: KafkaSettings): Kafka {
  const kafka = new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    ...securityOptions(settings),
    logLevel: logLevel.ERROR,
    logCreator: kafkajsLog,
    // The broker may still be starting when a process comes up: keep retrying for about a minute.
    retry: { initialRetryTime: 300, retries: 10 },
  });
  return reportRefusedCredentials(kafka, settings.sasl);
}

/** How often a waiting process says it is still waiting (each attempt would be a line a second). */
const WAIT_LOG_EVERY_MS = 10_000;

/**
 * Waits until a broker answers (an admin connection and its metadata), for at most `waitMs`: a stack still starting
 * is waited for with a line every few seconds, a wrong KAFKA_BROKERS ends in an error naming it, instead of kafkajs's
 * connection-refused lines forever. Resolves early, without error, when `signal` aborts; a refused SASL login fails
 * at once (waiting would not fix it).
 */
export async function waitForKafka(
  settings: KafkaSettings,
  options: { waitMs: number; log: Log; signal?: AbortSignal },
): Promise<void> {
  const address = settings.brokers.join(',');
  // Its own quiet client with no retries: this loop paces the attempts and says what happens.
  const probe = reportRefusedCredentials(
    new Kafka({
      clientId: settings.clientId,
      brokers: settings.brokers,
      ...securityOptions(settings),
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }),
    settings.sasl,
  );
  const started = Date.now();
  let loggedAt: number | undefined;
  while (!options.signal?.aborted) {
    const admin = probe.admin();
    try {
      await admin.connect();
      await admin.disconnect();
      if (loggedAt !== undefined) options.log.info(`Kafka answers at ${address}`);
      return;
    } catch (error) {
      await admin.disconnect().catch(() => undefined);
      // A refused login does not change by waiting; anything else (refused, unknown host, timeout) may be a
      // broker still starting.
      if (error instanceof KafkaCredentialsError) throw error;
      const left = started + options.waitMs - Date.now();
      if (left <= 0)
        throw new ServiceUnreachableError('Kafka', address, 'KAFKA_BROKERS', errorMessage(error), options.waitMs);
      if (loggedAt === undefined || Date.now() - loggedAt >= WAIT_LOG_EVERY_MS) {
        loggedAt = Date.now();
        options.log.warn(
          `Kafka not reachable at ${address} (KAFKA_BROKERS): ${errorMessage(error)}; waiting ${Math.ceil(left / 1000)} s more`,
          {
            brokers: address,
          },
        );
      }
      await abortableSleep(Math.min(1_000, left), options.signal);
    }
  }
}
