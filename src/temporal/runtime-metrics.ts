import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { ConfigError } from '../config/env';
import { claimPort, metricsUrl } from '../metrics/server';
import type { MetricsEndpoint } from '../metrics/settings';
import type { Log } from '../shared/log';

/** The SDK's own lines (worker state, the workflow's `log`) through our logger: one format for every line. */
function sdkLogger(log: Log): DefaultLogger {
  const write: Record<LogLevel, (message: string, fields: Record<string, unknown>) => void> = {
    TRACE: () => undefined,
    DEBUG: () => undefined,
    INFO: (message, fields) => log.info(message, fields),
    WARN: (message, fields) => log.warn(message, fields),
    ERROR: (message, fields) => log.error(message, fields),
  };
  return new DefaultLogger('INFO', ({ level, message, meta }) => write[level](message, { ...meta }));
}

/**
 * Installs the Temporal Runtime: its log lines through `log`, and, with an endpoint, its core's own Prometheus
 * exporter (worker, poller, task-slot and request series, prefixed `temporal_`); returns the exporter's URL. It must
 * run before the first NativeConnection or Worker is created: those install a default Runtime.
 */
export async function installTemporalRuntime(log: Log, endpoint?: MetricsEndpoint): Promise<string | undefined> {
  if (!endpoint) {
    Runtime.install({ logger: sdkLogger(log) });
    return undefined;
  }
  const port = await claimPort(endpoint);
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  try {
    Runtime.install({
      logger: sdkLogger(log),
      telemetryOptions: { metrics: { prometheus: { bindAddress: `${host}:${port}` } } },
    });
  } catch (error) {
    // Taken between the check and the bind (the core reports it as "Address already in use").
    if (/in use/i.test((error as Error).message)) {
      throw new ConfigError(endpoint.variable, `asks for port ${port} on ${endpoint.host}, which is already in use`);
    }
    throw error;
  }
  return metricsUrl(endpoint.host, port);
}
