import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalConfig } from './config';

function connectionOptions(config: TemporalConfig) {
  return { address: config.address, tls: config.tls, apiKey: config.apiKey, metadata: config.metadata };
}

/** The worker's connection (the one module that builds Temporal connections from configuration). */
export async function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config));
}

/** A client for starting, signalling and querying workflows. */
export async function connectClient(config: TemporalConfig): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(config));
  return new Client({ connection, namespace: config.namespace });
}
