import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalConfig } from './config';

function tlsOptions(config: TemporalConfig): TLSConfig | boolean | undefined {
  if (config.tls) {
    return {
      clientCertPair: { crt: readFileSync(config.tls.certPath), key: readFileSync(config.tls.keyPath) },
      serverRootCACertificate: config.tls.caPath ? readFileSync(config.tls.caPath) : undefined,
      serverNameOverride: config.tls.serverName,
    };
  }
  // Temporal Cloud's API-key endpoints only speak TLS.
  return config.apiKey ? true : undefined;
}

/** The worker's connection (the one module that builds Temporal connections from configuration). */
export async function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect({ address: config.address, tls: tlsOptions(config), apiKey: config.apiKey });
}

/** A client for starting, signalling and querying workflows. */
export async function connectClient(config: TemporalConfig): Promise<Client> {
  const connection = await Connection.connect({ address: config.address, tls: tlsOptions(config), apiKey: config.apiKey });
  return new Client({ connection, namespace: config.namespace });
}
