import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TLSConfig } from '@temporalio/client';
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import { ConfigError, readHostPort, readOptionalString, readString, rejectEmpty, type Env } from '../config/env';
import { readStartupWaitMs } from '../config/startup-wait';
import { readChangelogTopics, type ChangelogTopics } from '../kafka/changelog';
import { readKafkaSettings, type KafkaSettings } from '../kafka/config';
import { checkDistinctPorts, readMetricsEndpoint, type MetricsEndpoint } from '../metrics/settings';
import { TASK_QUEUE } from '../shared/names';
import { componentLog } from '../shared/log';

/** How to reach Temporal, read the way the `temporal` CLI reads it: profile file plus TEMPORAL_* variables. */
export interface TemporalConfig {
  address: string;
  namespace: string;
  /** The RetweetTracking task queue: worker, bridge and CLI must agree on it. */
  taskQueue: string;
  tls?: TLSConfig | boolean;
  /** Non-enumerable: never printed or serialised with the config. */
  readonly apiKey?: string;
  metadata?: Record<string, string>;
}

/** Variable names of the previous release and the standard ones that replace them (kept for one release). */
const RENAMED: ReadonlyArray<[old: string, standard: string]> = [
  ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_CLIENT_CERT_PATH'],
  ['TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CLIENT_KEY_PATH'],
  ['TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'],
];

/** The variables envconfig reads (TEMPORAL_GRPC_META_* aside: there an empty value removes a header, on purpose). */
const STANDARD_SETTINGS = [
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_PROFILE',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_NAME',
];

const warned = new Set<string>();

/** The environment with the old names mapped to the standard ones (a standard name wins), one warning per name. */
function withStandardNames(env: Env): { standard: Record<string, string>; setBy: Record<string, string> } {
  const result: Record<string, string> = {};
  const setBy: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) result[key] = value;
  for (const [old, standard] of RENAMED) {
    const value = env[old]?.trim();
    if (!value) continue;
    if (!warned.has(old)) {
      warned.add(old);
      componentLog('config').warn(`${old} is deprecated and will be removed in the next release: use ${standard}`, {
        variable: old,
      });
    }
    if (result[standard] === undefined) {
      result[standard] = value;
      setBy[standard] = old;
    }
  }
  return { standard: result, setBy };
}

/**
 * Reads Temporal's standard client configuration (@temporalio/envconfig, shared with the `temporal` CLI): the
 * profile file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) and TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
 * TEMPORAL_TLS*, TEMPORAL_GRPC_META_*; plus TEMPORAL_TASK_QUEUE. The local dev server is the default.
 */
export function readTemporalConfig(env: Env): TemporalConfig {
  // envconfig takes an empty value as given (an empty address, say): name the variable instead.
  rejectEmpty(env, [...STANDARD_SETTINGS, ...RENAMED.map(([old]) => old)]);
  const { standard, setBy } = withStandardNames(env);
  for (const name of [
    'TEMPORAL_TLS_CLIENT_CERT_PATH',
    'TEMPORAL_TLS_CLIENT_KEY_PATH',
    'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  ]) {
    const path = standard[name]?.trim();
    if (path && !existsSync(path))
      throw new ConfigError(setBy[name] ?? name, `names a file that does not exist: "${path}"`);
  }
  if (!!standard.TEMPORAL_TLS_CLIENT_CERT_PATH !== !!standard.TEMPORAL_TLS_CLIENT_KEY_PATH) {
    throw new ConfigError(
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
      'and TEMPORAL_TLS_CLIENT_CERT_PATH go together: set both or neither',
    );
  }
  let profile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: standard });
  } catch (error) {
    throw new ConfigError(
      'TEMPORAL_CONFIG_FILE',
      `(or TEMPORAL_PROFILE) could not be read: ${(error as Error).message}`,
    );
  }
  const { connectionOptions, namespace } = toClientOptions(profile);
  const address = readHostPort({ TEMPORAL_ADDRESS: connectionOptions.address }, 'TEMPORAL_ADDRESS', '127.0.0.1:7233');
  const config: TemporalConfig = {
    address,
    namespace: readString({ TEMPORAL_NAMESPACE: namespace }, 'TEMPORAL_NAMESPACE', 'default'),
    taskQueue: readString(env, 'TEMPORAL_TASK_QUEUE', TASK_QUEUE),
    ...(connectionOptions.tls !== undefined && connectionOptions.tls !== null ? { tls: connectionOptions.tls } : {}),
    ...(connectionOptions.metadata ? { metadata: connectionOptions.metadata as Record<string, string> } : {}),
  };
  if (connectionOptions.apiKey)
    Object.defineProperty(config, 'apiKey', { value: connectionOptions.apiKey, enumerable: false });
  return config;
}

/** Where `npm run build:workflows` writes the prebuilt workflow bundle and the worker loads it: WORKFLOW_BUNDLE. */
export function readWorkflowBundlePath(env: Env): string {
  return resolve(readString(env, 'WORKFLOW_BUNDLE', 'dist/workflow-bundle.js'));
}

/** How the worker takes part in Worker Versioning: see the README, "Worker versioning and upgrades". */
export interface WorkerVersioningConfig {
  /** auto: the worker makes its version current once it polls; manual: an operator does; off: unversioned. */
  mode: 'auto' | 'manual' | 'off';
  /** The Worker Deployment its versions belong to (TEMPORAL_DEPLOYMENT_NAME). */
  deploymentName: string;
  /** TEMPORAL_WORKER_BUILD_ID; unset: `<package.json version>-<hash of the workflow bundle>`, once it is loaded. */
  buildId?: string;
}

export const DEFAULT_DEPLOYMENT_NAME = 'retweet-tracker';

/**
 * Reads TEMPORAL_WORKER_VERSIONING (auto|manual|off), TEMPORAL_DEPLOYMENT_NAME (retweet-tracker) and
 * TEMPORAL_WORKER_BUILD_ID. The mode defaults to auto on the default task queue and to off on any other: tests and
 * fast demo runs each use a throwaway queue, and a versioned one would leave its deployment behind for good (the
 * server keeps at most 100 per namespace and deletes none while it remembers their pollers).
 */
export function readWorkerVersioning(env: Env, taskQueue: string): WorkerVersioningConfig {
  const mode = readString(env, 'TEMPORAL_WORKER_VERSIONING', taskQueue === TASK_QUEUE ? 'auto' : 'off');
  if (mode !== 'auto' && mode !== 'manual' && mode !== 'off') {
    throw new ConfigError('TEMPORAL_WORKER_VERSIONING', `must be auto, manual or off, got "${mode}"`);
  }
  // The server writes a version as `<deployment>.<build id>` and splits it at the first dot.
  const deploymentName = readString(env, 'TEMPORAL_DEPLOYMENT_NAME', DEFAULT_DEPLOYMENT_NAME);
  if (deploymentName.includes('.'))
    throw new ConfigError('TEMPORAL_DEPLOYMENT_NAME', `must not contain a dot, got "${deploymentName}"`);
  const buildId = readOptionalString(env, 'TEMPORAL_WORKER_BUILD_ID');
  return { mode, deploymentName, ...(buildId ? { buildId } : {}) };
}

/** Snapshot and report directories of the worker, and where it publishes the counts changelog. */
export interface WorkerConfig {
  temporal: TemporalConfig;
  snapshotDir: string;
  reportDir: string;
  workflowBundlePath: string;
  versioning: WorkerVersioningConfig;
  /** Kafka and topics of the counts changelog; undefined when COUNTS_CHANGELOG=off. */
  changelog?: { kafka: KafkaSettings; topics: ChangelogTopics };
  /** How long to wait at start for the changelog's Kafka (STARTUP_WAIT_SECONDS). */
  startupWaitMs: number;
  /** Our `/metrics` (WORKER_METRICS_PORT), the Temporal core's (WORKER_TEMPORAL_METRICS_PORT); undefined: off. */
  metrics?: MetricsEndpoint;
  temporalMetrics?: MetricsEndpoint;
}

/**
 * Reads the worker's configuration: Temporal, SNAPSHOT_DIR (./data/snapshots), REPORT_DIR (./data/reports) and
 * COUNTS_CHANGELOG (on|off, default on: the Kafka settings and changelog topic names), WORKER_METRICS_PORT (9464)
 * and WORKER_TEMPORAL_METRICS_PORT (9467) with METRICS_HOST.
 */
export function readWorkerConfig(env: Env): WorkerConfig {
  const changelog = readString(env, 'COUNTS_CHANGELOG', 'on');
  if (changelog !== 'on' && changelog !== 'off')
    throw new ConfigError('COUNTS_CHANGELOG', `must be on or off, got "${changelog}"`);
  const metrics = readMetricsEndpoint(env, 'WORKER_METRICS_PORT');
  const temporalMetrics = readMetricsEndpoint(env, 'WORKER_TEMPORAL_METRICS_PORT');
  checkDistinctPorts(metrics, temporalMetrics);
  const temporal = readTemporalConfig(env);
  return {
    temporal,
    versioning: readWorkerVersioning(env, temporal.taskQueue),
    snapshotDir: readString(env, 'SNAPSHOT_DIR', './data/snapshots'),
    reportDir: readString(env, 'REPORT_DIR', './data/reports'),
    workflowBundlePath: readWorkflowBundlePath(env),
    startupWaitMs: readStartupWaitMs(env),
    ...(changelog === 'on'
      ? { changelog: { kafka: readKafkaSettings(env, 'retweet-tracker-worker'), topics: readChangelogTopics(env) } }
      : {}),
    ...(metrics ? { metrics } : {}),
    ...(temporalMetrics ? { temporalMetrics } : {}),
  };
}
