/** Helpers of the producer tests: the producer as a real process, what a topic holds, what X says was posted. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { startTsProcess, type ManagedProcess } from '../../src/demo/child-processes';
import { DEFAULT_FOLLOWED_USER_IDS } from '../../src/domain/followed-users';
import type { RunningEmulator } from '../../src/emulator';
import { eventually, readRecords } from '../kafka/helpers';

export const FOLLOWED: readonly string[] = DEFAULT_FOLLOWED_USER_IDS;

/** `npm run producer` as a real process against an emulator; its output is collected. */
export function startProducerProcess(env: NodeJS.ProcessEnv): ManagedProcess & { output(): string } {
  const lines: string[] = [];
  const child = startTsProcess({
    name: 'producer',
    script: 'src/producer/main.ts',
    // A workflow id no run has: the producer follows FOLLOWED_USER_IDS (the seed). A spool of its own unless the
    // test gives one (a restart that must find what the killed run left passes the same directory again), and no
    // metrics port (two producers of concurrent runs would both want the default one).
    env: {
      ...process.env,
      TRACKING_WORKFLOW_ID: `no-such-workflow-${randomUUID()}`,
      PRODUCER_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'producer-spool-')),
      PRODUCER_METRICS_PORT: 'off',
      ...env,
    },
    onLine: (line) => lines.push(line),
  });
  return Object.assign(child, { output: () => lines.join('\n') });
}

/** Every record key (tweet id) of a topic, read up to its end. */
export async function idsInTopic(kafka: Kafka, topic: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  let count = 0;
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) count += Number(p.high) - Number(p.low);
  } finally {
    await admin.disconnect();
  }
  if (count === 0) return [];
  return (await readRecords(kafka, topic, count, 60_000)).map((r) => r.key ?? '');
}

/** Ground truth: every post the followed users made (released by the emulator so far). */
export function followedPosts(emulator: RunningEmulator): string[] {
  return emulator.admin
    .posted()
    .filter((p) => FOLLOWED.includes(p.authorId))
    .map((p) => p.id);
}

/** What the stream should deliver: followed users' posts and other accounts' retweets of them. */
export function streamablePosts(emulator: RunningEmulator): string[] {
  const authorOf = (id: string): string => emulator.simulation.tweets.get(id)?.authorId ?? '';
  return emulator.admin
    .posted()
    .filter(
      (p) =>
        FOLLOWED.includes(p.authorId) || (p.retweetedId !== undefined && FOLLOWED.includes(authorOf(p.retweetedId))),
    )
    .map((p) => p.id);
}

/** The ids of `expected` that `found` lacks. */
export const missing = (expected: readonly string[], found: readonly string[]): string[] => {
  const have = new Set(found);
  return expected.filter((id) => !have.has(id));
};

/** Waits until the process printed `text`; a timeout fails with what it printed. */
export async function waitForOutput(
  proc: { output(): string },
  text: string | RegExp,
  timeoutMs = 60_000,
): Promise<void> {
  const found = (): boolean => (typeof text === 'string' ? proc.output().includes(text) : text.test(proc.output()));
  await eventually(`output ${String(text)}`, () => (found() ? true : undefined), timeoutMs).catch(() => {
    throw new Error(`no ${String(text)} within ${timeoutMs} ms; the process printed:\n${proc.output().slice(-4000)}`);
  });
}

/** A certificate path of this emulator alone: emulators of concurrent tests must not overwrite each other's CA. */
export function privateCaFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'x-emulator-ca-')), 'ca.pem');
}
