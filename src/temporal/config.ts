import { existsSync } from 'node:fs';
import { ConfigError, readHostPort, readOptionalString, readString, type Env } from '../config/env';
import { readChangelogTopics, type ChangelogTopics } from '../kafka/changelog';
import { readKafkaSettings, type KafkaSettings } from '../kafka/config';
import { TASK_QUEUE } from '../shared/names';

/** How to reach Temporal: a local dev server by default, Temporal Cloud with mTLS or an API key. */
export interface TemporalConfig {
  address: string;
  namespace: string;
  /** The RetweetTracking task queue: worker, bridge and CLI must agree on it. */
  taskQueue: string;
  /** mTLS client certificate and key paths; both or neither. */
  tls?: { certPath: string; keyPath: string; caPath?: string; serverName?: string };
  apiKey?: string;
}

function readFilePath(env: Env, name: string): string | undefined {
  const path = readOptionalString(env, name);
  if (path !== undefined && !existsSync(path)) throw new ConfigError(name, `names a file that does not exist: "${path}"`);
  return path;
}

/** Reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, TEMPORAL_TLS_CERT/KEY/CA/SERVER_NAME and TEMPORAL_API_KEY. */
export function readTemporalConfig(env: Env): TemporalConfig {
  const address = readHostPort(env, 'TEMPORAL_ADDRESS', '127.0.0.1:7233');
  const namespace = readString(env, 'TEMPORAL_NAMESPACE', 'default');
  const certPath = readFilePath(env, 'TEMPORAL_TLS_CERT');
  const keyPath = readFilePath(env, 'TEMPORAL_TLS_KEY');
  if (certPath && !keyPath) throw new ConfigError('TEMPORAL_TLS_KEY', 'is required when TEMPORAL_TLS_CERT is set');
  if (keyPath && !certPath) throw new ConfigError('TEMPORAL_TLS_CERT', 'is required when TEMPORAL_TLS_KEY is set');
  const taskQueue = readString(env, 'TEMPORAL_TASK_QUEUE', TASK_QUEUE);
  const config: TemporalConfig = { address, namespace, taskQueue, apiKey: readOptionalString(env, 'TEMPORAL_API_KEY') };
  if (certPath && keyPath) {
    config.tls = {
      certPath,
      keyPath,
      caPath: readFilePath(env, 'TEMPORAL_TLS_CA'),
      serverName: readOptionalString(env, 'TEMPORAL_TLS_SERVER_NAME'),
    };
  }
  return config;
}

/** Snapshot and report directories of the worker, and where it publishes the counts changelog. */
export interface WorkerConfig {
  temporal: TemporalConfig;
  snapshotDir: string;
  reportDir: string;
  /** Kafka and topics of the counts changelog; undefined when COUNTS_CHANGELOG=off. */
  changelog?: { kafka: KafkaSettings; topics: ChangelogTopics };
}

/**
 * Reads the worker's configuration: Temporal, SNAPSHOT_DIR (./data/snapshots), REPORT_DIR (./data/reports) and
 * COUNTS_CHANGELOG (on|off, default on: the Kafka settings and changelog topic names).
 */
export function readWorkerConfig(env: Env): WorkerConfig {
  const changelog = readString(env, 'COUNTS_CHANGELOG', 'on');
  if (changelog !== 'on' && changelog !== 'off') throw new ConfigError('COUNTS_CHANGELOG', `must be on or off, got "${changelog}"`);
  return {
    temporal: readTemporalConfig(env),
    snapshotDir: readString(env, 'SNAPSHOT_DIR', './data/snapshots'),
    reportDir: readString(env, 'REPORT_DIR', './data/reports'),
    ...(changelog === 'on' ? { changelog: { kafka: readKafkaSettings(env, 'retweet-tracker-worker'), topics: readChangelogTopics(env) } } : {}),
  };
}
