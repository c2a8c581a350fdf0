import { resolve } from 'node:path';
import { readInteger, readOptionalString, readString, readUrl, type Env } from '../config/env';
import { readKafkaSettings, type KafkaSettings } from '../kafka/config';
import { DEFAULT_WORKFLOW_ID } from '../shared/names';
import { readTemporalConfig, type TemporalConfig } from '../temporal/config';

/** What the demo itself reads from the environment; the processes it starts read their own settings. */
export interface DemoSettings {
  temporal: TemporalConfig;
  /** To create and delete a run's topics. */
  kafka: KafkaSettings;
  /** Set: the real X API (no emulator). Never printed. */
  readonly realX: boolean;
  /** The long-running real-time run (fast-clock and scenario runs get ids of their own). */
  workflowId: string;
  /** Base directories; each workflow writes under a folder of its own (src/shared/output-dirs.ts). */
  snapshotDir: string;
  reportDir: string;
  dashboardDir: string;
  /** The producer's spool of tweets not yet acknowledged by Kafka: one producer per folder. */
  producerSpoolDir: string;
  dashboardUrl: string;
  temporalUiUrl: string;
}

/**
 * Reads TEMPORAL_*, KAFKA_*, X_BEARER_TOKEN (set: the real X API), TRACKING_WORKFLOW_ID, SNAPSHOT_DIR, REPORT_DIR,
 * DASHBOARD_DATA_DIR, PRODUCER_SPOOL_DIR, DASHBOARD_HOST, DASHBOARD_PORT and TEMPORAL_UI_URL, with the processes' defaults.
 */
export function readDemoSettings(env: Env): DemoSettings {
  const dashboardPort = readInteger(env, 'DASHBOARD_PORT', 8080, 0, 65535);
  return {
    temporal: readTemporalConfig(env),
    kafka: readKafkaSettings(env, 'retweet-tracker-demo'),
    realX: readOptionalString(env, 'X_BEARER_TOKEN') !== undefined,
    workflowId: readString(env, 'TRACKING_WORKFLOW_ID', DEFAULT_WORKFLOW_ID),
    snapshotDir: resolve(readString(env, 'SNAPSHOT_DIR', 'data/snapshots')),
    reportDir: resolve(readString(env, 'REPORT_DIR', 'data/reports')),
    dashboardDir: resolve(readString(env, 'DASHBOARD_DATA_DIR', 'data/dashboard')),
    producerSpoolDir: resolve(readString(env, 'PRODUCER_SPOOL_DIR', 'data/producer-spool')),
    // Port 0 (tests): the dashboard picks one and prints it in its "listening on" line.
    dashboardUrl:
      dashboardPort === 0
        ? 'the address in the dashboard\'s "listening on" line'
        : `http://${readString(env, 'DASHBOARD_HOST', '127.0.0.1')}:${dashboardPort}`,
    temporalUiUrl: readUrl(env, 'TEMPORAL_UI_URL', 'http://127.0.0.1:8233').toString().replace(/\/$/, ''),
  };
}
