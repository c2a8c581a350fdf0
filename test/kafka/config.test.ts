import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { readKafkaSettings } from '../../src/kafka/config';
import { securityOptions } from '../../src/kafka/security';

const read = (env: Record<string, string>) => readKafkaSettings(env, 'test-client');
const SASL = {
  KAFKA_SASL_MECHANISM: 'scram-sha-512',
  KAFKA_SASL_USERNAME: 'tracker',
  KAFKA_SASL_PASSWORD: 'pw-never-shown',
};

describe('Kafka settings: TLS and SASL from the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-kafka-config-'));
  const ca = join(dir, 'ca.pem');
  const cert = join(dir, 'client.pem');
  const key = join(dir, 'client.key');
  writeFileSync(ca, 'CA PEM');
  writeFileSync(cert, 'CERT PEM');
  writeFileSync(key, 'KEY PEM');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to a plaintext, unauthenticated local broker', () => {
    expect(read({})).toEqual({ brokers: ['127.0.0.1:9092'], clientId: 'test-client', tweetsPartitions: 6 });
    expect(securityOptions(read({}))).toEqual({});
  });

  it('reads SASL credentials and keeps the password out of everything printed or serialised', () => {
    const settings = read({ ...SASL, KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512' });
    expect(settings.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'tracker' });
    expect(settings.sasl?.password).toBe('pw-never-shown');
    expect(JSON.stringify(settings)).not.toContain('pw-never-shown');
    expect(inspect(settings, { depth: 10 })).not.toContain('pw-never-shown');
    expect(inspect({ ...settings })).not.toContain('pw-never-shown');
    // kafkajs gets it, though.
    expect(securityOptions(settings).sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'tracker',
      password: 'pw-never-shown',
    });
  });

  it('names the missing variable when a mechanism comes without credentials, or credentials without a mechanism', () => {
    expect(() => read({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'x' })).toThrow(
      'Invalid configuration: KAFKA_SASL_USERNAME is required with KAFKA_SASL_MECHANISM=plain',
    );
    expect(() => read({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' })).toThrow(
      'Invalid configuration: KAFKA_SASL_PASSWORD is required with KAFKA_SASL_MECHANISM=plain',
    );
    expect(() => read({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'x' })).toThrow(
      /KAFKA_SASL_MECHANISM must be set when KAFKA_SASL_USERNAME is/,
    );
  });

  it('names the variable and the allowed values for an unknown mechanism', () => {
    expect(() => read({ ...SASL, KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(
      'Invalid configuration: KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512, got "gssapi"',
    );
  });

  it('reads TLS: on without files trusts the system CAs; PEM files are read for kafkajs', () => {
    expect(read({ KAFKA_SSL: 'on' }).ssl).toEqual({});
    expect(securityOptions(read({ KAFKA_SSL: 'on' }))).toEqual({ ssl: true });
    const settings = read({
      KAFKA_SSL: 'on',
      KAFKA_SSL_CA_FILE: ca,
      KAFKA_SSL_CERT_FILE: cert,
      KAFKA_SSL_KEY_FILE: key,
      ...SASL,
    });
    // Paths, not contents: a private key never sits in the printable settings.
    expect(settings.ssl).toEqual({ caFile: ca, certFile: cert, keyFile: key });
    expect(securityOptions(settings).ssl).toEqual({ ca: ['CA PEM'], cert: 'CERT PEM', key: 'KEY PEM' });
  });

  it('refuses TLS settings that would be ignored or cannot work, naming the variable', () => {
    expect(() => read({ KAFKA_SSL: 'yes' })).toThrow('Invalid configuration: KAFKA_SSL must be on or off, got "yes"');
    expect(() => read({ KAFKA_SSL: 'on', KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') })).toThrow(
      /KAFKA_SSL_CA_FILE names a file that does not exist/,
    );
    expect(() => read({ KAFKA_SSL_CA_FILE: ca })).toThrow(
      'Invalid configuration: KAFKA_SSL must be on when KAFKA_SSL_CA_FILE is set',
    );
    expect(() => read({ KAFKA_SSL: 'on', KAFKA_SSL_CERT_FILE: cert })).toThrow(
      /KAFKA_SSL_KEY_FILE is required with KAFKA_SSL_CERT_FILE/,
    );
    expect(() => read({ KAFKA_SSL: 'on', KAFKA_SSL_KEY_FILE: key })).toThrow(
      /KAFKA_SSL_CERT_FILE is required with KAFKA_SSL_KEY_FILE/,
    );
  });
});
