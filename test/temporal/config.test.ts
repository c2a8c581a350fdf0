import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { readTemporalConfig } from '../../src/temporal/config';

/** The `temporal` CLI's configuration, read through @temporalio/envconfig: profile file, then variables. */
describe('Temporal configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-envconfig-'));
  const file = join(dir, 'temporal.toml');
  writeFileSync(
    file,
    [
      '[profile.default]',
      'address = "10.0.0.5:7233"',
      'namespace = "tracking"',
      '',
      '[profile.cloud]',
      'address = "acme.tmprl.cloud:7233"',
      'namespace = "acme.retweets"',
      'api_key = "secret-key-123"',
      '',
    ].join('\n'),
  );

  it('defaults to the local dev server', () => {
    expect(readTemporalConfig({ TEMPORAL_CONFIG_FILE: join(dir, 'missing.toml') })).toEqual({
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'retweet-tracking',
    });
  });

  it('reads the profile file and lets the variables override it, as the CLI does', () => {
    expect(readTemporalConfig({ TEMPORAL_CONFIG_FILE: file })).toMatchObject({
      address: '10.0.0.5:7233',
      namespace: 'tracking',
    });
    expect(readTemporalConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_NAMESPACE: 'other' })).toMatchObject({
      address: '10.0.0.5:7233',
      namespace: 'other',
    });
  });

  it('an API key profile turns TLS on and never shows the key', () => {
    const config = readTemporalConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' });
    expect(config).toMatchObject({ address: 'acme.tmprl.cloud:7233', namespace: 'acme.retweets', tls: true });
    expect(config.apiKey).toBe('secret-key-123');
    expect(JSON.stringify(config)).not.toContain('secret-key-123');
    expect(inspect(config)).not.toContain('secret-key-123');
  });

  it('still takes the old TLS variable names for one release, and names the variable that is wrong', () => {
    expect(() => readTemporalConfig({ TEMPORAL_TLS_CERT: join(dir, 'nope.pem'), TEMPORAL_TLS_KEY: file })).toThrow(
      /TEMPORAL_TLS_CERT names a file that does not exist/,
    );
    expect(() => readTemporalConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: file })).toThrow(/TEMPORAL_TLS_CLIENT_KEY_PATH/);
    expect(() => readTemporalConfig({ TEMPORAL_ADDRESS: 'not an address' })).toThrow(/TEMPORAL_ADDRESS/);
  });
});
