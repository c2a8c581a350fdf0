import {
  readHostPort,
  readHostPortList,
  readIdList,
  readInteger,
  readOptionalString,
  readPositiveNumber,
  readString,
  readUrl,
  rejectEmpty,
} from '../../src/config/env';
import { readStartupWaitMs } from '../../src/config/startup-wait';
import { readTemporalConfig } from '../../src/temporal/config';

/** A variable set to an empty value is an error naming it, whichever reader reads it; unset gives the default. */
describe('settings set but empty', () => {
  const readers: Array<[string, (env: Record<string, string>) => unknown]> = [
    ['readString', (env) => readString(env, 'X', 'default')],
    ['readInteger', (env) => readInteger(env, 'X', 1)],
    ['readPositiveNumber', (env) => readPositiveNumber(env, 'X', 1)],
    ['readUrl', (env) => readUrl(env, 'X', 'http://localhost')],
    ['readHostPort', (env) => readHostPort(env, 'X', '127.0.0.1:7233')],
    ['readHostPortList', (env) => readHostPortList(env, 'X', '127.0.0.1:9092')],
    ['readIdList', (env) => readIdList(env, 'X', ['1'])],
    ['rejectEmpty', (env) => rejectEmpty(env, ['X'])],
  ];

  it.each(readers)('%s: empty or blank is an error naming the variable; unset is the default', (_name, read) => {
    for (const value of ['', '  '])
      expect(() => read({ X: value })).toThrow(
        'Invalid configuration: X is set but empty: give it a value, or unset it to use the default',
      );
    expect(() => read({})).not.toThrow();
  });

  it('readOptionalString takes empty as absent: the way to override a value from .env (X_BEARER_TOKEN= for the emulator)', () => {
    expect(readOptionalString({ X_BEARER_TOKEN: '' }, 'X_BEARER_TOKEN')).toBeUndefined();
  });

  it.each([
    'TEMPORAL_ADDRESS',
    'TEMPORAL_NAMESPACE',
    'TEMPORAL_API_KEY',
    'TEMPORAL_TLS_CLIENT_CERT_PATH',
    'TEMPORAL_TLS_CERT',
  ])('Temporal: an empty %s is an error naming it (envconfig would take it as given)', (variable) => {
    expect(() => readTemporalConfig({ [variable]: '' })).toThrow(`${variable} is set but empty`);
  });

  it('STARTUP_WAIT_SECONDS: 30 s by default, 0 allowed (one attempt), validated', () => {
    expect(readStartupWaitMs({})).toBe(30_000);
    expect(readStartupWaitMs({ STARTUP_WAIT_SECONDS: '0' })).toBe(0);
    expect(() => readStartupWaitMs({ STARTUP_WAIT_SECONDS: 'soon' })).toThrow(
      'STARTUP_WAIT_SECONDS must be a whole number',
    );
  });
});
