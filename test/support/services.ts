import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the stack script installs its tools (`npm run stack -- up`). */
export const STACK_CACHE_DIR = process.env.RT_CACHE_DIR ?? join(homedir(), '.cache', 'retweet-tracker');

export const temporalAddress = (): string => process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
export const kafkaBrokers = (): string[] => (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const temporalUiUrl = (): string =>
  process.env.TEMPORAL_UI_URL ?? `http://127.0.0.1:${process.env.TEMPORAL_UI_PORT ?? '8233'}`;

export function tcpAnswers(hostPort: string, timeoutMs = 2000): Promise<boolean> {
  const at = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(hostPort.slice(at + 1));
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const HOW_TO_START = 'start it with `npm run stack -- up` (or point the variable at a running one)';

/** Fails the calling test file with a message naming the missing service and how to start it. */
export async function requireTemporal(): Promise<string> {
  const address = temporalAddress();
  if (!(await tcpAnswers(address)))
    throw new Error(`Temporal server is not reachable at TEMPORAL_ADDRESS=${address}: ${HOW_TO_START}`);
  return address;
}

export async function requireKafka(): Promise<string[]> {
  const brokers = kafkaBrokers();
  if (!(await tcpAnswers(brokers[0])))
    throw new Error(`Kafka broker is not reachable at KAFKA_BROKERS=${brokers.join(',')}: ${HOW_TO_START}`);
  return brokers;
}

/** The executable wrapper around the Java time-skipping test server. */
export function requireTestServer(): string {
  const path = process.env.TEMPORAL_TEST_SERVER ?? join(STACK_CACHE_DIR, 'bin', 'temporal-test-server');
  if (!existsSync(path))
    throw new Error(`Temporal time-skipping test server not found at ${path}: install it with \`npm run stack -- up\``);
  return path;
}
