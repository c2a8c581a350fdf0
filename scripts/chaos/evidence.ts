/** Reads what a chaos run left behind: the minute files, the workflow's tick record, the dead-letter topic. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPayloadConverter, type Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { Kafka, logLevel } from 'kafkajs';
import type { TweetCount } from '../../src/domain/ranking';

/** One minute file: the minute in its name, the minute its sidecar says it holds, and its lines. */
export interface MinuteFile {
  name: string;
  minuteMs: number;
  /** `minuteMs` from `counts-<minute>.meta.json`, when the sidecar exists. */
  metaMinuteMs?: number;
  lines: TweetCount[];
}

/** Every `counts-<minute>.txt` in `dir`, oldest minute first, with its contents parsed (a bad line throws). */
export function readMinuteFiles(dir: string): MinuteFile[] {
  const names = readdirSync(dir).filter((f) => /^counts-\d+\.txt$/.test(f));
  return names
    .map((name) => {
      const minuteMs = Number(/(\d+)/.exec(name)![1]);
      const text = readFileSync(join(dir, name), 'utf8');
      const lines = text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const match = /^\((\d+), (\d+)\)$/.exec(line);
          if (!match) throw new Error(`${name}: malformed line "${line}"`);
          return { tweetId: match[1], retweets: Number(match[2]) };
        });
      const metaPath = join(dir, name.replace(/\.txt$/, '.meta.json'));
      const metaMinuteMs = existsSync(metaPath)
        ? (JSON.parse(readFileSync(metaPath, 'utf8')) as { minuteMs?: number }).minuteMs
        : undefined;
      return { name, minuteMs, metaMinuteMs, lines };
    })
    .sort((a, b) => a.minuteMs - b.minuteMs);
}

/** The workflow's own record of its ticks: the minute of every `refreshAndSnapshot` it scheduled, over all runs. */
export interface TickRecord {
  runs: number;
  /** One entry per scheduled refresh (a retried attempt is the same scheduled event, so it appears once). */
  scheduledMinutes: number[];
  completedMinutes: number[];
  /**
   * When a workflow task timed out (epoch ms), either type: after a SIGKILLed worker the server waits for the
   * dead worker's task (StartToClose, 10 s by default) or keeps offering the workflow to its sticky queue
   * (ScheduleToStart, 10 s by default) before another worker gets it.
   */
  workflowTaskTimeouts: number[];
}

/** Walks the Continue-As-New chain backwards from the newest run and reads each history. */
export async function readTickRecord(client: Client, workflowId: string): Promise<TickRecord> {
  const record: TickRecord = { runs: 0, scheduledMinutes: [], completedMinutes: [], workflowTaskTimeouts: [] };
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    record.runs += 1;
    const minuteBySchedule = new Map<string, number>();
    runId = undefined;
    for (const event of history.events ?? []) {
      const started: temporal.api.history.v1.IWorkflowExecutionStartedEventAttributes | null | undefined =
        event.workflowExecutionStartedEventAttributes;
      if (started?.continuedExecutionRunId) runId = started.continuedExecutionRunId;
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name === 'refreshAndSnapshot') {
        // `tickMs` since 0.3.0; a 0.2.0 run scheduled the same input with the tick named `minuteMs`.
        const input = defaultPayloadConverter.fromPayload<{ tickMs?: number; minuteMs?: number }>(
          scheduled.input!.payloads![0],
        );
        const tickMs = input.tickMs ?? input.minuteMs!;
        record.scheduledMinutes.push(tickMs);
        minuteBySchedule.set(String(event.eventId), tickMs);
      }
      const timedOut = event.workflowTaskTimedOutEventAttributes;
      if (timedOut && event.eventTime) {
        record.workflowTaskTimeouts.push(
          Number(event.eventTime.seconds) * 1000 + Math.floor((event.eventTime.nanos ?? 0) / 1e6),
        );
      }
      const completed = event.activityTaskCompletedEventAttributes;
      const minute = completed ? minuteBySchedule.get(String(completed.scheduledEventId)) : undefined;
      if (minute !== undefined) record.completedMinutes.push(minute);
    }
  }
  return record;
}

/** A record of the dead-letter topic: its key and the reason header the bridge wrote. */
export interface DeadLetter {
  key: string | null;
  reason: string | null;
}

/** Reads the dead-letter topic whole. */
export async function readDeadLetters(brokers: string[], topic: string): Promise<DeadLetter[]> {
  const records = await readTopic(brokers, topic);
  return records.map(({ key, headers }) => ({ key, reason: headers['dlq.reason'] ?? null }));
}

/** The keys of every record in `topic` (for `tweets`: the tweet ids that reached Kafka). */
export async function readTopicKeys(brokers: string[], topic: string): Promise<Set<string>> {
  return new Set((await readTopic(brokers, topic)).flatMap((r) => (r.key === null ? [] : [r.key])));
}

/** Reads a topic from the start to its end offsets at the time of the call; keys and headers only. */
async function readTopic(
  brokers: string[],
  topic: string,
): Promise<Array<{ key: string | null; headers: Record<string, string> }>> {
  const kafka = new Kafka({ clientId: 'chaos-reader', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const total = ends.reduce((sum, p) => sum + Number(p.offset) - Number(p.low), 0);
  const records: Array<{ key: string | null; headers: Record<string, string> }> = [];
  if (total === 0) return records;
  const consumer = kafka.consumer({ groupId: `chaos-reader-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${records.length} of ${total} records of ${topic} in 60 s`)),
        60_000,
      );
      void consumer.run({
        eachMessage: ({ message }) => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.headers ?? {}))
            if (value !== undefined) headers[name] = value.toString();
          records.push({ key: message.key?.toString() ?? null, headers });
          if (records.length >= total) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}
