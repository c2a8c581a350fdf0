/**
 * A server that a setting points at did not answer. The message names the server, its address and the variable, so
 * a user knows whether to start the server or fix the variable; no stack trace is needed to act on it.
 */
export class ServiceUnreachableError extends Error {
  constructor(
    readonly service: string,
    readonly address: string,
    readonly variable: string,
    /** What the last attempt failed with ("Connection refused", say). */
    readonly reason: string,
    waitedMs?: number,
  ) {
    const waited = waitedMs ? ` within ${Math.round(waitedMs / 1000)} s` : '';
    super(
      `cannot reach ${service} at ${address} (${variable})${waited}: ${reason}. ` +
        `Is it running (\`npm run stack -- up\` starts a local one), and does ${variable} point at it?`,
    );
    this.name = 'ServiceUnreachableError';
  }
}
