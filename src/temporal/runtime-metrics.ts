import { Runtime } from '@temporalio/worker';
import { ConfigError } from '../config/env';
import { claimPort, metricsUrl } from '../metrics/server';
import type { MetricsEndpoint } from '../metrics/settings';

/**
 * Installs the Temporal Runtime with its core's own Prometheus exporter (worker, poller, task-slot and request
 * series, prefixed `temporal_`) on the endpoint; returns its URL. It must run before the first NativeConnection or
 * Worker is created: those install a Runtime without metrics.
 */
export async function installTemporalRuntimeMetrics(endpoint: MetricsEndpoint): Promise<string> {
  const port = await claimPort(endpoint);
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  try {
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: `${host}:${port}` } } } });
  } catch (error) {
    // Taken between the check and the bind (the core reports it as "Address already in use").
    if (/in use/i.test((error as Error).message)) {
      throw new ConfigError(endpoint.variable, `asks for port ${port} on ${endpoint.host}, which is already in use`);
    }
    throw error;
  }
  return metricsUrl(endpoint.host, port);
}
