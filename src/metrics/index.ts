/** Prometheus metrics of our processes (prom-client): settings, the `/metrics` server, and each process's series. */
import { createProcessRegistry } from './registry';
import { serveMetrics, type MetricsServer } from './server';
import type { MetricsEndpoint } from './settings';

export type { MetricsServer } from './server';
export type { MetricsEndpoint } from './settings';

/** Serves a fresh process registry on the endpoint; undefined when the setting is `off`. */
export async function startMetrics(endpoint: MetricsEndpoint | undefined): Promise<MetricsServer | undefined> {
  return endpoint ? serveMetrics(createProcessRegistry(), endpoint) : undefined;
}
