/**
 * Which run a demo start is, and what it owns. The real-time demo without a scenario is the product's long-running
 * run (TRACKING_WORKFLOW_ID, kept across starts). A fast clock or a scenario makes each start a fresh run of its own:
 * a new workflow id, task queue, Kafka topics and consumer groups, and output folders, so nothing of an earlier
 * run leaks into it, and the earlier run of the same scenario and tick is closed first (a re-run reproduces it).
 */
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { ensureChangelogTopics } from '../kafka/changelog';
import { errorMessage, type Log } from '../shared/log';
import { ensureProductTopics } from '../kafka/topics';
import { outputDirFor, pathSafeName } from '../shared/output-dirs';
import { DEFAULT_WORKFLOW_ID } from '../shared/names';
import type { DemoSettings } from './config';
import { REAL_TIME_TICK_SECONDS, scenarioName, type DemoFlags } from './flags';

export interface DemoRun {
  workflowId: string;
  taskQueue: string;
  /** A run of its own, closed (with its topics) by the next start of the same scenario and tick. */
  fresh: boolean;
  /** Shared by the fresh runs of one scenario and tick: `retweet-tracking-demo-<scenario>-<tick>s-`. */
  prefix?: string;
  /** This workflow's folders (the worker writes under the base directories it is given). */
  snapshotDir: string;
  reportDir: string;
  /** Variables every process of this run gets on top of the user's environment. */
  env: Record<string, string>;
  /** A fresh run's own Kafka topics and groups. */
  kafka?: ReturnType<typeof runKafkaNames>;
}

/** Fresh runs' ids: `retweet-tracking-demo-<scenario>-<tick>s-<yyyymmdd-hhmmss-mmm UTC>`. */
const DEMO_ID_BASE = `${DEFAULT_WORKFLOW_ID}-demo`;
const STAMP = /^\d{8}-\d{6}-\d{3}$/;

/** The run stamp of a fresh run started at `nowMs`, in UTC: sorts by start time, readable in `temporal workflow list`. */
export function runStamp(nowMs: number): string {
  const iso = new Date(nowMs).toISOString(); // 2026-11-26T10:15:00.123Z
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${iso.slice(20, 23)}`;
}

/** The id prefix of the fresh runs of one scenario ("default": the random simulation) and tick length. */
export function demoRunPrefix(scenario: string, tickSeconds: number): string {
  return `${DEMO_ID_BASE}-${scenario}-${tickSeconds}s-`;
}

/** True when `workflowId` is a fresh run with this prefix (not one of a scenario whose name merely starts alike). */
export function isRunOf(prefix: string, workflowId: string): boolean {
  return workflowId.startsWith(prefix) && STAMP.test(workflowId.slice(prefix.length));
}

/** A fresh run's Kafka names, derived from its workflow id so the next run can find and delete them. */
export function runKafkaNames(workflowId: string) {
  const tweets = `${workflowId}.tweets`;
  return {
    tweets,
    deadLetters: `${tweets}.dlq`,
    progress: `${tweets}.progress`,
    counts: `${workflowId}.retweet-counts`,
    reports: `${workflowId}.retweet-reports`,
    bridgeGroup: `${workflowId}.bridge`,
    dashboardGroup: `${workflowId}.dashboard`,
  };
}

/** The workflow, its task queue and folders, and the variables that point every process at them. */
function runOf(settings: DemoSettings, workflowId: string, taskQueue: string) {
  return {
    workflowId,
    taskQueue,
    snapshotDir: outputDirFor(settings.snapshotDir, workflowId),
    reportDir: outputDirFor(settings.reportDir, workflowId),
    env: {
      SNAPSHOT_DIR: settings.snapshotDir,
      REPORT_DIR: settings.reportDir,
      TRACKING_WORKFLOW_ID: workflowId,
      BRIDGE_WORKFLOW_ID: workflowId,
      TEMPORAL_TASK_QUEUE: taskQueue,
    },
  };
}

/** Whether this start is a fresh run, and the names it uses. */
export function planDemoRun(flags: DemoFlags, settings: DemoSettings, nowMs: number): DemoRun {
  if (flags.tickSeconds === REAL_TIME_TICK_SECONDS && !flags.scenario) {
    return { ...runOf(settings, settings.workflowId, settings.temporal.taskQueue), fresh: false };
  }
  const prefix = demoRunPrefix(scenarioName(flags), flags.tickSeconds);
  const workflowId = `${prefix}${runStamp(nowMs)}`;
  const kafka = runKafkaNames(workflowId);
  // Its own task queue: no worker of another run (or the real one) ever serves its ticks.
  const run = runOf(settings, workflowId, workflowId);
  return {
    ...run,
    fresh: true,
    prefix,
    kafka,
    env: {
      ...run.env,
      KAFKA_TWEETS_TOPIC: kafka.tweets,
      KAFKA_DEAD_LETTER_TOPIC: kafka.deadLetters,
      KAFKA_PROGRESS_TOPIC: kafka.progress,
      KAFKA_COUNTS_TOPIC: kafka.counts,
      KAFKA_REPORTS_TOPIC: kafka.reports,
      BRIDGE_GROUP_ID: kafka.bridgeGroup,
      DASHBOARD_GROUP_ID: kafka.dashboardGroup,
      DASHBOARD_DB_FILE: join(settings.dashboardDir, `${pathSafeName(workflowId)}.duckdb`),
      // Its producer's spool is its own too: what it holds belongs to this run's topic.
      PRODUCER_SPOOL_DIR: outputDirFor(settings.producerSpoolDir, workflowId),
    },
  };
}

/**
 * Creates a fresh run's topics before its processes start: several of them would otherwise create the same new
 * topics at once, and one that writes before the broker has spread the new topic's metadata fails.
 */
export async function createRunTopics(run: DemoRun, kafka: Kafka, tweetsPartitions: number): Promise<void> {
  if (!run.kafka) return;
  const { tweets, deadLetters, progress, counts, reports } = run.kafka;
  await ensureProductTopics(kafka, { tweets, deadLetters, progress }, tweetsPartitions);
  await ensureChangelogTopics(kafka, { counts, reports });
}

/** The run a Kafka topic or consumer group of a fresh run belongs to: the part before the first dot. */
const ownerOf = (name: string): string => name.slice(0, name.indexOf('.') === -1 ? name.length : name.indexOf('.'));

/**
 * Closes the earlier fresh runs of `run`'s scenario and tick: terminates the running ones (found by a visibility
 * query on the id prefix) and deletes the Kafka topics and consumer groups of every earlier one. Returns the ids
 * terminated. Best effort: a failure is logged, never fatal, since the new run shares nothing with them.
 */
export async function closeEarlierRuns(run: DemoRun, client: Client, kafka: Kafka, log: Log): Promise<string[]> {
  const prefix = run.prefix;
  if (!prefix) return [];
  const earlier = (id: string): boolean => id !== run.workflowId && isRunOf(prefix, id);
  const terminated: string[] = [];
  try {
    const query = `WorkflowId STARTS_WITH '${prefix}' AND ExecutionStatus = 'Running'`;
    for await (const execution of client.workflow.list({ query })) {
      if (!earlier(execution.workflowId)) continue;
      await client.workflow
        .getHandle(execution.workflowId, execution.runId)
        .terminate(`superseded by demo run ${run.workflowId}`);
      terminated.push(execution.workflowId);
    }
  } catch (error) {
    log.warn(`Earlier demo runs (${prefix}*) not closed: ${errorMessage(error)}`);
  }
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => earlier(ownerOf(topic)));
    if (topics.length) await admin.deleteTopics({ topics });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((group) => earlier(ownerOf(group)));
    if (groups.length) await admin.deleteGroups(groups);
  } catch (error) {
    log.warn(`Kafka topics of earlier demo runs (${prefix}*) not deleted: ${errorMessage(error)}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return terminated;
}
