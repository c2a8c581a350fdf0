import { existsSync } from 'node:fs';
import { ConfigError, Env, readHostPortList, readInteger, readOptionalString, readString } from '../config/env';
import { DEAD_LETTER_TOPIC, TWEETS_TOPIC } from '../shared/names';

/** How every process of ours reaches Kafka. */
export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** Partitions of `tweets` when this process has to create it: the ceiling on parallel bridge instances. */
  tweetsPartitions: number;
  /** TLS to the brokers (managed clusters); absent: plaintext. */
  ssl?: KafkaTlsSettings;
  /** SASL authentication; absent: none. */
  sasl?: KafkaSaslSettings;
}

/** PEM file paths, not their contents: the settings stay printable, and a private key never sits in them. */
export interface KafkaTlsSettings {
  /** CA that signed the brokers' certificates; absent: the system's trusted CAs. */
  caFile?: string;
  /** Client certificate and key for mutual TLS: both or neither. */
  certFile?: string;
  keyFile?: string;
}

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface KafkaSaslSettings {
  mechanism: SaslMechanism;
  username: string;
  /** Non-enumerable: never printed or serialised with the settings. */
  readonly password: string;
}

/**
 * Reads KAFKA_BROKERS, KAFKA_CLIENT_ID, KAFKA_TWEETS_PARTITIONS, and the security of the connection: KAFKA_SSL,
 * KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and
 * KAFKA_SASL_PASSWORD.
 */
export function readKafkaSettings(env: Env, clientIdFallback: string): KafkaSettings {
  const ssl = readTlsSettings(env);
  const sasl = readSaslSettings(env);
  return {
    brokers: readHostPortList(env, 'KAFKA_BROKERS', '127.0.0.1:9092'),
    clientId: readString(env, 'KAFKA_CLIENT_ID', clientIdFallback),
    tweetsPartitions: readInteger(env, 'KAFKA_TWEETS_PARTITIONS', 6, 1, 1000),
    ...(ssl ? { ssl } : {}),
    ...(sasl ? { sasl } : {}),
  };
}

const TLS_FILES = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const;

function readExistingFile(env: Env, name: string): string | undefined {
  const path = readOptionalString(env, name);
  if (path !== undefined && !existsSync(path))
    throw new ConfigError(name, `names a file that does not exist: "${path}"`);
  return path;
}

/** KAFKA_SSL=on|off (default off) and its PEM files; a file without KAFKA_SSL=on is a mistake, not a silent no-op. */
function readTlsSettings(env: Env): KafkaTlsSettings | undefined {
  const ssl = readString(env, 'KAFKA_SSL', 'off');
  if (ssl !== 'on' && ssl !== 'off') throw new ConfigError('KAFKA_SSL', `must be on or off, got "${ssl}"`);
  const [caFile, certFile, keyFile] = TLS_FILES.map((name) => readExistingFile(env, name));
  if (ssl === 'off') {
    const stray = TLS_FILES.find((name) => readOptionalString(env, name) !== undefined);
    if (stray)
      throw new ConfigError('KAFKA_SSL', `must be on when ${stray} is set (TLS files are only used with KAFKA_SSL=on)`);
    return undefined;
  }
  if (certFile && !keyFile)
    throw new ConfigError('KAFKA_SSL_KEY_FILE', 'is required with KAFKA_SSL_CERT_FILE (mutual TLS needs both)');
  if (keyFile && !certFile)
    throw new ConfigError('KAFKA_SSL_CERT_FILE', 'is required with KAFKA_SSL_KEY_FILE (mutual TLS needs both)');
  return { ...(caFile ? { caFile } : {}), ...(certFile && keyFile ? { certFile, keyFile } : {}) };
}

/** KAFKA_SASL_MECHANISM (unset: no SASL) with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD, both required then. */
function readSaslSettings(env: Env): KafkaSaslSettings | undefined {
  const raw = readOptionalString(env, 'KAFKA_SASL_MECHANISM');
  if (raw === undefined) {
    const stray = ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'].find(
      (name) => readOptionalString(env, name) !== undefined,
    );
    if (stray)
      throw new ConfigError(
        'KAFKA_SASL_MECHANISM',
        `must be set when ${stray} is (one of ${SASL_MECHANISMS.join(', ')})`,
      );
    return undefined;
  }
  const mechanism = raw.toLowerCase();
  if (!isSaslMechanism(mechanism))
    throw new ConfigError('KAFKA_SASL_MECHANISM', `must be one of ${SASL_MECHANISMS.join(', ')}, got "${raw}"`);
  const username = readOptionalString(env, 'KAFKA_SASL_USERNAME');
  if (username === undefined)
    throw new ConfigError('KAFKA_SASL_USERNAME', `is required with KAFKA_SASL_MECHANISM=${mechanism}`);
  // Not trimmed: a password may legitimately start or end with a space.
  const password = env.KAFKA_SASL_PASSWORD;
  if (!password) throw new ConfigError('KAFKA_SASL_PASSWORD', `is required with KAFKA_SASL_MECHANISM=${mechanism}`);
  const sasl = { mechanism, username } as KafkaSaslSettings;
  Object.defineProperty(sasl, 'password', { value: password, enumerable: false });
  return sasl;
}

function isSaslMechanism(value: string): value is SaslMechanism {
  return (SASL_MECHANISMS as readonly string[]).includes(value);
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
