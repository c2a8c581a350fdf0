/** The dashboard's configuration, read once at start-up; an invalid value stops it with the variable's name. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, readInteger, readOptionalString, readString, readUrl, type Env } from '../config/env';
import { readStartupWaitMs } from '../config/startup-wait';
import { readChangelogTopics, type ChangelogTopics } from '../kafka/changelog';
import { readKafkaSettings, readTopicNames, type KafkaSettings, type TopicNames } from '../kafka/config';
import { readTemporalConfig, type TemporalConfig } from '../temporal/config';
import { BRIDGE_CONSUMER_GROUP, DEFAULT_WORKFLOW_ID } from '../shared/names';
import { parseAlertRules, type AlertRule } from './alert-rules';

export interface DashboardConfig {
  host: string;
  port: number;
  /** Names this instance: its consumer groups and its DuckDB file, so instances run side by side. */
  instanceId: string;
  dbPath: string;
  /** The tick the "last minute" and "last 15 minutes" changes count in; unset: the workflow's, else 60 s. */
  tickMs?: number;
  kafka: KafkaSettings;
  /** How long to wait at start for Kafka (STARTUP_WAIT_SECONDS). */
  startupWaitMs: number;
  topics: ChangelogTopics;
  productTopics: TopicNames;
  bridgeGroupId: string;
  groupId: string;
  temporal: TemporalConfig;
  workflowId: string;
  temporalUiUrl: string;
  statusPollMs: number;
  alertRules: AlertRule[];
  webhookUrl?: string;
}

const HOST = /^[A-Za-z0-9.\-:[\]]+$/;
const INSTANCE = /^[A-Za-z0-9_-]{1,64}$/;

/** Reads DASHBOARD_*, ALERT_*, the Kafka and Temporal variables. */
export function readDashboardConfig(env: Env): DashboardConfig {
  const host = readString(env, 'DASHBOARD_HOST', '127.0.0.1');
  if (!HOST.test(host)) throw new ConfigError('DASHBOARD_HOST', `must be a host name or IP address, got "${host}"`);
  const instanceId = readString(env, 'DASHBOARD_INSTANCE_ID', 'default');
  if (!INSTANCE.test(instanceId))
    throw new ConfigError('DASHBOARD_INSTANCE_ID', `must be 1-64 letters, digits, "_" or "-", got "${instanceId}"`);
  const dataDir = readString(env, 'DASHBOARD_DATA_DIR', './data/dashboard');
  const webhook = readOptionalString(env, 'ALERT_WEBHOOK_URL');
  return {
    host,
    // 0 asks the system for a free port (tests); the server logs the one it got.
    port: readInteger(env, 'DASHBOARD_PORT', 8080, 0, 65535),
    instanceId,
    dbPath: readString(env, 'DASHBOARD_DB_FILE', join(dataDir, `dashboard-${instanceId}.duckdb`)),
    tickMs: env.DASHBOARD_TICK_SECONDS?.trim()
      ? readInteger(env, 'DASHBOARD_TICK_SECONDS', 60, 1, 3600) * 1000
      : undefined,
    kafka: readKafkaSettings(env, `retweet-tracker-dashboard-${instanceId}`),
    startupWaitMs: readStartupWaitMs(env),
    topics: readChangelogTopics(env),
    productTopics: readTopicNames(env),
    bridgeGroupId: readString(env, 'BRIDGE_GROUP_ID', BRIDGE_CONSUMER_GROUP),
    groupId: readString(env, 'DASHBOARD_GROUP_ID', `retweet-tracker-dashboard-${instanceId}`),
    temporal: readTemporalConfig(env),
    workflowId: readString(env, 'TRACKING_WORKFLOW_ID', DEFAULT_WORKFLOW_ID),
    temporalUiUrl: readUrl(env, 'TEMPORAL_UI_URL', 'http://127.0.0.1:8233').toString().replace(/\/$/, ''),
    statusPollMs: readInteger(env, 'DASHBOARD_STATUS_POLL_MS', 5000, 200, 600_000),
    alertRules: parseAlertRules(env.ALERT_RULES ?? readRulesFile(env), 'ALERT_RULES'),
    webhookUrl: webhook ? readUrl(env, 'ALERT_WEBHOOK_URL', webhook).toString() : undefined,
  };
}

/** ALERT_RULES_FILE: the same JSON in a file, for rules too long for a variable. */
function readRulesFile(env: Env): string | undefined {
  const path = readOptionalString(env, 'ALERT_RULES_FILE');
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError('ALERT_RULES_FILE', `names a file that cannot be read: "${path}"`);
  }
}
