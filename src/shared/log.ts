/**
 * The processes' diagnostics, through pino on stderr: one JSON object per line for a log collector, readable lines
 * on a terminal. stdout is kept for the product's printed output (the tick blocks, the top-5, a CLI's answers).
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { processEnv } from '../config/env';
import { readLogLevel, type LogLevel } from '../config/logging';

/** Context of a log line (workflow id, partition, offset, tick...): fields of its JSON object. */
export type LogFields = Record<string, unknown>;

/** What a component logs through; a `Log` is passed in, so tests and benchmarks can record or silence it. */
export interface Log {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const silentLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The message of an unknown thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Who wrote a line: `worker`, `worker/activities`, or a shared module's `config`. */
function lineTag(record: Record<string, unknown>): string {
  return [record.process, record.component].filter((part) => typeof part === 'string').join('/');
}

/**
 * Synchronous writes: a process that calls `process.exit` right after its last line (a fatal error) still shows it,
 * and no worker thread (pino's transports) is left to hold the process open.
 */
function destination(): DestinationStream {
  if (!process.stderr.isTTY) return pino.destination({ fd: 2, sync: true });
  return pretty({
    destination: 2,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,process,component',
    messageFormat: (record, messageKey) => `[${lineTag(record)}] ${String(record[messageKey])}`,
    singleLine: true,
  });
}

/** An invalid LOG_LEVEL logs at info: each entry point reads LOG_LEVEL first and reports it (naming it) through this logger. */
function levelOrDefault(): LogLevel {
  try {
    return readLogLevel(processEnv());
  } catch {
    return 'info';
  }
}

let root: Logger | undefined;

function rootLogger(): Logger {
  root ??= pino(
    {
      level: levelOrDefault(),
      timestamp: pino.stdTimeFunctions.isoTime,
      // "level":"warn" rather than 40: readable with grep and by people, and what most collectors expect.
      formatters: { level: (label) => ({ level: label }) },
      // A secret must never reach a log, even in a field added without thinking of it.
      redact: {
        paths: ['password', 'token', 'authorization', 'apiKey', '*.password', '*.token', '*.authorization', '*.apiKey'],
        censor: '[redacted]',
      },
    },
    destination(),
  );
  return root;
}

function fromPino(logger: Logger): Log {
  return {
    info: (message, fields) => (fields ? logger.info(fields, message) : logger.info(message)),
    warn: (message, fields) => (fields ? logger.warn(fields, message) : logger.warn(message)),
    error: (message, fields) => (fields ? logger.error(fields, message) : logger.error(message)),
  };
}

/** The logger of one process (`process: 'bridge'` on each line), with `fields` on each of its lines too. */
export function createLog(processName: string, fields: LogFields = {}): Log {
  return fromPino(rootLogger().child({ process: processName, ...fields }));
}

/** The logger of a module shared by several processes (`component: 'config'`), which does not know its process. */
export function componentLog(component: string): Log {
  return fromPino(rootLogger().child({ component }));
}
