/** TLS and SASL for kafkajs from our settings, and a refused login turned into an error that says what to fix. */
import { readFileSync } from 'node:fs';
import type { Kafka, KafkaConfig, SASLOptions } from 'kafkajs';
import { ConfigError } from '../config/env';
import type { KafkaSaslSettings, KafkaSettings, KafkaTlsSettings } from './config';

/** The `ssl` and `sasl` parts of a kafkajs config (empty for a plaintext, unauthenticated cluster). */
export function securityOptions(settings: KafkaSettings): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  return {
    ...(settings.ssl ? { ssl: tlsOptions(settings.ssl) } : {}),
    ...(settings.sasl ? { sasl: saslOptions(settings.sasl) } : {}),
  };
}

function readPem(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(variable, `names a file that cannot be read: "${path}" (${(error as Error).message})`);
  }
}

function tlsOptions(tls: KafkaTlsSettings): KafkaConfig['ssl'] {
  if (!tls.caFile && !tls.certFile) return true; // the system's trusted CAs, no client certificate
  const ca = tls.caFile ? { ca: [readPem('KAFKA_SSL_CA_FILE', tls.caFile)] } : {};
  if (!tls.certFile || !tls.keyFile) return ca;
  return { ...ca, cert: readPem('KAFKA_SSL_CERT_FILE', tls.certFile), key: readPem('KAFKA_SSL_KEY_FILE', tls.keyFile) };
}

function saslOptions(sasl: KafkaSaslSettings): SASLOptions {
  // Spelled out: a spread would drop the non-enumerable password.
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password };
}

/**
 * The brokers refused our SASL login (or do not offer the mechanism). kafkajs does not retry it, but our processes
 * retry a failed connect while Kafka may be down: this error tells them to stop, and the user what to fix.
 */
export class KafkaCredentialsError extends Error {
  constructor(sasl: KafkaSaslSettings, cause: Error) {
    super(
      `Kafka refused the SASL login of KAFKA_SASL_USERNAME=${sasl.username} (KAFKA_SASL_MECHANISM=${sasl.mechanism}): ` +
        `check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM (kafkajs: ${cause.message})`,
    );
    this.name = 'KafkaCredentialsError';
  }
}

/** The kafkajs SASL failure in `error` or its causes (kafkajs's retrier wraps what it gives up on). */
function saslFailure(error: unknown): Error | undefined {
  for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (e.name === 'KafkaJSSASLAuthenticationError') return e;
  }
  return undefined;
}

/** Wraps `connect()` of every producer, consumer and admin `kafka` makes: a refused login rejects with KafkaCredentialsError. */
export function reportRefusedCredentials(kafka: Kafka, sasl: KafkaSaslSettings | undefined): Kafka {
  if (!sasl) return kafka;
  const checked = <T extends { connect(): Promise<void> }>(client: T): T => {
    const connect = client.connect.bind(client);
    client.connect = async () => {
      try {
        await connect();
      } catch (error) {
        const failure = saslFailure(error);
        throw failure ? new KafkaCredentialsError(sasl, failure) : error;
      }
    };
    return client;
  };
  const [producer, consumer, admin] = [kafka.producer.bind(kafka), kafka.consumer.bind(kafka), kafka.admin.bind(kafka)];
  kafka.producer = (config) => checked(producer(config));
  kafka.consumer = (config) => checked(consumer(config));
  kafka.admin = (config) => checked(admin(config));
  return kafka;
}
