import { readIdList, readInteger, readString, type Env } from '../config/env';
import { readStartupWaitMs } from '../config/startup-wait';
import { DEFAULT_FOLLOWED_USER_IDS } from '../domain/followed-users';
import { readKafkaSettings, readTopicNames, type KafkaSettings, type TopicNames } from '../kafka/config';
import { readMetricsEndpoint, type MetricsEndpoint } from '../metrics/settings';
import { BRIDGE_CONSUMER_GROUP, DEFAULT_WORKFLOW_ID } from '../shared/names';
import { readTemporalConfig, type TemporalConfig } from '../temporal/config';
import { DEFAULT_BATCH_LIMITS, type BatchLimits } from './signal-batcher';

/** Everything the bridge reads from the environment. */
export interface BridgeSettings {
  kafka: KafkaSettings;
  topics: TopicNames;
  groupId: string;
  workflowId: string;
  batch: BatchLimits;
  /** Watermarks are forwarded when the lowest crosses a multiple of this. */
  watermarkStepMs: number;
  temporal: TemporalConfig;
  /** Seeds `followedUserIds` when the bridge starts the very first run (as the CLI and the producer do). */
  followedUserIds: string[];
  /** How long to wait at start for Temporal, then for Kafka (STARTUP_WAIT_SECONDS). */
  startupWaitMs: number;
  /** Where `/metrics` is served (BRIDGE_METRICS_PORT, 9465, with METRICS_HOST); undefined when off. */
  metrics?: MetricsEndpoint;
}

/**
 * Reads the Kafka and Temporal variables plus BRIDGE_GROUP_ID, BRIDGE_WORKFLOW_ID (else TRACKING_WORKFLOW_ID),
 * BRIDGE_BATCH_MAX_TWEETS, BRIDGE_BATCH_MAX_BYTES, BRIDGE_FLUSH_INTERVAL_MS, BRIDGE_WATERMARK_STEP_MS (1,000; the tick
 * length cuts watermark signals to about one a tick) and FOLLOWED_USER_IDS.
 */
export function readBridgeSettings(env: Env): BridgeSettings {
  return {
    kafka: readKafkaSettings(env, 'retweet-tracker-bridge'),
    topics: readTopicNames(env),
    groupId: readString(env, 'BRIDGE_GROUP_ID', BRIDGE_CONSUMER_GROUP),
    workflowId: readString(env, 'BRIDGE_WORKFLOW_ID', readString(env, 'TRACKING_WORKFLOW_ID', DEFAULT_WORKFLOW_ID)),
    batch: {
      maxTweets: readInteger(env, 'BRIDGE_BATCH_MAX_TWEETS', DEFAULT_BATCH_LIMITS.maxTweets, 1, 10_000),
      // Temporal warns at 256 KB per payload: the ceiling keeps a signal under it with room for the envelope.
      maxBytes: readInteger(env, 'BRIDGE_BATCH_MAX_BYTES', DEFAULT_BATCH_LIMITS.maxBytes, 1024, 250_000),
      flushIntervalMs: readInteger(env, 'BRIDGE_FLUSH_INTERVAL_MS', DEFAULT_BATCH_LIMITS.flushIntervalMs, 10, 60_000),
    },
    watermarkStepMs: readInteger(env, 'BRIDGE_WATERMARK_STEP_MS', 1_000, 10, 3_600_000),
    temporal: readTemporalConfig(env),
    followedUserIds: readIdList(env, 'FOLLOWED_USER_IDS', DEFAULT_FOLLOWED_USER_IDS),
    startupWaitMs: readStartupWaitMs(env),
    metrics: readMetricsEndpoint(env, 'BRIDGE_METRICS_PORT'),
  };
}
