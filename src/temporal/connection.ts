import { connect } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Log } from '../shared/log';
import { abortableSleep } from '../shared/abortable-sleep';
import { ServiceUnreachableError } from '../shared/service-unreachable';
import type { TemporalConfig } from './config';

/** One attempt's deadline: the SDK's 10 s keeps a user of `npm run tracking` waiting too long for a server that is down. */
const CONNECT_ATTEMPT_MS = 5_000;

function connectionOptions(config: TemporalConfig) {
  return { address: config.address, tls: config.tls, apiKey: config.apiKey, metadata: config.metadata };
}

/** The reason in a transport error: "Connection refused" rather than the core's tonic::transport::Error(...) dump. */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /message: "([^"]+)"/.exec(message)?.[1] ?? message;
}

const unreachable = (config: TemporalConfig, error: unknown, waitedMs?: number): ServiceUnreachableError =>
  new ServiceUnreachableError('Temporal', config.address, 'TEMPORAL_ADDRESS', reason(error), waitedMs);

/** The worker's connection (the one module that builds Temporal connections from configuration). */
export async function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(connectionOptions(config));
  } catch (error) {
    throw unreachable(config, error);
  }
}

/** Errors that mean no server listens there at all: no point in gRPC's retrying until its deadline. */
const NOBODY_THERE = new Set(['ECONNREFUSED', 'ENOTFOUND']);

/**
 * Why nothing can listen at host:port (refused, unknown host), or undefined when that is not certain (it connects,
 * or times out). Skipped behind a proxy, where the address itself need not be reachable.
 */
function nobodyListens(address: string): Promise<string | undefined> {
  if (
    ['grpc_proxy', 'https_proxy', 'http_proxy'].some((name) => process.env[name] ?? process.env[name.toUpperCase()])
  ) {
    return Promise.resolve(undefined);
  }
  const at = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = connect({ host: address.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(address.slice(at + 1)) });
    const done = (why?: string) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(CONNECT_ATTEMPT_MS, () => done());
    socket.once('connect', () => done());
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done(NOBODY_THERE.has(error.code ?? '') ? error.message : undefined),
    );
  });
}

/** A client for starting, signalling and querying workflows; fails within seconds, naming the address, if none answers. */
export async function connectClient(config: TemporalConfig): Promise<Client> {
  const refused = await nobodyListens(config.address);
  if (refused) throw unreachable(config, refused);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...connectionOptions(config), connectTimeout: CONNECT_ATTEMPT_MS });
  } catch (error) {
    throw unreachable(config, error);
  }
  return new Client({ connection, namespace: config.namespace });
}

/**
 * A client, retrying for up to `waitMs` while Temporal does not answer (a server still starting), with a line per
 * failed attempt; then the error naming the address. Resolves undefined if `signal` aborts the wait.
 */
export async function connectClientWithin(
  config: TemporalConfig,
  options: { waitMs: number; log: Log; signal?: AbortSignal },
): Promise<Client | undefined> {
  const started = Date.now();
  for (let attempt = 0; !options.signal?.aborted; attempt++) {
    try {
      return await connectClient(config);
    } catch (error) {
      if (!(error instanceof ServiceUnreachableError)) throw error;
      const left = started + options.waitMs - Date.now();
      if (left <= 0) throw unreachable(config, error.reason, options.waitMs);
      const delayMs = Math.min(left, 500 * 2 ** attempt, 5_000);
      options.log.warn(
        `Temporal not reachable at ${config.address} (TEMPORAL_ADDRESS): ${error.reason}; retrying in ${delayMs} ms, for ${Math.ceil(left / 1000)} s more`,
      );
      await abortableSleep(delayMs, options.signal);
    }
  }
  return undefined;
}
