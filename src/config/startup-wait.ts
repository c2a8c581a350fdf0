import { readInteger, type Env } from './env';

/**
 * STARTUP_WAIT_SECONDS (default 30, 0 = one attempt): how long a long-running process waits at start for the servers
 * it needs (Kafka; the bridge also Temporal) before it exits naming the address and the variable. Long enough for a
 * stack that is still starting, short enough that a wrong address is not an endless loop.
 */
export function readStartupWaitMs(env: Env): number {
  return readInteger(env, 'STARTUP_WAIT_SECONDS', 30, 0, 3600) * 1000;
}
