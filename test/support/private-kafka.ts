/**
 * A Kafka broker of one test file alone, on free ports with its own log dir, that the test may kill, restart or
 * keep down: outages and restarts without touching the shared broker other tests use. It runs the same jars and
 * configuration template as `scripts/stack.sh` (KRaft, broker and controller in one JVM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, portAnswers } from '../../scripts/chaos/ports';
import { STACK_CACHE_DIR } from './services';

const ROOT = resolve(__dirname, '..', '..');

export interface PrivateKafkaOptions {
  /** Broker-side topic auto-creation (default false, like the shared broker). */
  autoCreateTopics?: boolean;
  /** Extra `server.properties` lines. */
  properties?: Record<string, string>;
  /**
   * Also a SASL_PLAINTEXT listener on a port of its own, offering PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 to these
   * users (name to password). The plaintext listener stays: the test itself checks what arrived through it.
   */
  saslUsers?: Record<string, string>;
  /** With `saslUsers`: a SASL_SSL listener too (a managed cluster's kind), presenting this PEM certificate and key. */
  saslTls?: { cert: string; key: string };
}

export interface PrivateKafka {
  /** `127.0.0.1:<port>`, for KAFKA_BROKERS. */
  readonly brokers: string[];
  /** `127.0.0.1:<port>` of the SASL_PLAINTEXT listener; empty without `saslUsers`. */
  readonly saslBrokers: string[];
  /** `127.0.0.1:<port>` of the SASL_SSL listener; empty without `saslTls`. */
  readonly saslTlsBrokers: string[];
  readonly dataDir: string;
  /** Starts the broker (again, on the same ports and data) and waits until it answers. */
  start(): Promise<void>;
  /** Kills the JVM (SIGKILL by default: a crash) and waits until the port is closed. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** kill(signal), then start() after `downMs`. */
  restart(downMs?: number, signal?: NodeJS.Signals): Promise<void>;
  /** Kills the broker and removes its data. */
  close(): Promise<void>;
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`private Kafka: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function runJava(args: string[], logPath: string): ChildProcess {
  const log = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(
    'java',
    [
      '-Xmx384m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      `-Dlog4j2.configurationFile=${join(ROOT, 'stack/kafka/log4j2.properties')}`,
      '-cp',
      `${join(STACK_CACHE_DIR, 'kafka', 'lib')}/*`,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

interface SaslListeners {
  users: Record<string, string>;
  port: number;
  /** The SASL_SSL listener's port and its PEM keystore (key and certificate in one file). */
  tls?: { port: number; keystoreFile: string };
}

/**
 * The SASL listeners' `server.properties` lines and the storage-format arguments that create the SCRAM users (KRaft
 * keeps SCRAM credentials in the metadata log, so they are written when the storage is formatted).
 */
function saslListeners(
  sasl: SaslListeners,
  plaintextPort: number,
  controllerPort: number,
): { properties: Record<string, string>; formatArgs: string[] } {
  // Names and passwords go unescaped into a JAAS line (in a properties file) and the format tool's `[name=..]`.
  for (const [name, password] of Object.entries(sasl.users)) {
    if (!/^[\w-]+$/.test(name) || !/^[\w.@%+!-]+$/.test(password)) {
      throw new Error(
        `private Kafka: SASL user ${name}: names are letters, digits, _ and -; passwords may add . @ % + !`,
      );
    }
  }
  const names = Object.keys(sasl.users);
  const plainUsers = names.map((name) => `user_${name}="${sasl.users[name]}"`).join(' ');
  const listeners: Array<[name: string, port: number]> = [['SASL_PLAINTEXT', sasl.port]];
  if (sasl.tls) listeners.push(['SASL_SSL', sasl.tls.port]);
  const advertised = [
    `PLAINTEXT://127.0.0.1:${plaintextPort}`,
    ...listeners.map(([name, port]) => `${name}://127.0.0.1:${port}`),
  ];
  const properties: Record<string, string> = {
    listeners: [...advertised, `CONTROLLER://127.0.0.1:${controllerPort}`].join(','),
    'advertised.listeners': advertised.join(','),
    'listener.security.protocol.map': [
      'CONTROLLER:PLAINTEXT',
      'PLAINTEXT:PLAINTEXT',
      ...listeners.map(([name]) => `${name}:${name}`),
    ].join(','),
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
  };
  for (const [name] of listeners) {
    const prefix = `listener.name.${name.toLowerCase()}`;
    properties[`${prefix}.plain.sasl.jaas.config`] =
      `org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`;
    properties[`${prefix}.scram-sha-256.sasl.jaas.config`] =
      'org.apache.kafka.common.security.scram.ScramLoginModule required;';
    properties[`${prefix}.scram-sha-512.sasl.jaas.config`] =
      'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  }
  if (sasl.tls) {
    properties['listener.name.sasl_ssl.ssl.keystore.type'] = 'PEM';
    properties['listener.name.sasl_ssl.ssl.keystore.location'] = sasl.tls.keystoreFile;
  }
  const formatArgs = names.flatMap((name) =>
    ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((mechanism) => [
      '--add-scram',
      `${mechanism}=[name=${name},password=${sasl.users[name]}]`,
    ]),
  );
  return { properties, formatArgs };
}

/** Formats a fresh data dir and starts a broker on free ports; `close()` it in afterAll. */
export async function startPrivateKafka(options: PrivateKafkaOptions = {}): Promise<PrivateKafka> {
  const [port, controllerPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'private-kafka-'));
  const saslPort = options.saslUsers ? await freePort() : undefined;
  const saslTlsPort = options.saslUsers && options.saslTls ? await freePort() : undefined;
  const keystoreFile = join(dir, 'keystore.pem');
  if (options.saslTls)
    writeFileSync(keystoreFile, `${options.saslTls.key.trim()}\n${options.saslTls.cert.trim()}\n`, { mode: 0o600 });
  const tls = saslTlsPort ? { port: saslTlsPort, keystoreFile } : undefined;
  const sasl =
    options.saslUsers && saslPort
      ? saslListeners({ users: options.saslUsers, port: saslPort, tls }, port, controllerPort)
      : undefined;
  const dataDir = join(dir, 'data');
  const config = join(dir, 'server.properties');
  const logPath = join(dir, 'broker.log');
  const template = readFileSync(join(ROOT, 'stack/kafka/server.properties.template'), 'utf8')
    .replaceAll('@DATA_DIR@', dataDir)
    .replaceAll('@PORT@', String(port))
    .replaceAll('@CONTROLLER_PORT@', String(controllerPort));
  const extra = {
    'auto.create.topics.enable': String(options.autoCreateTopics ?? false),
    ...sasl?.properties,
    ...options.properties,
  };
  const lines = template.split('\n').filter((line) => !Object.keys(extra).some((name) => line.startsWith(`${name}=`)));
  writeFileSync(
    config,
    [...lines, ...Object.entries(extra).map(([name, value]) => `${name}=${value}`)].join('\n') + '\n',
  );

  // A Kafka cluster id is a base64url UUID: 16 random bytes. One starting with '-' (1 in 64) would be read as an
  // option by the storage tool ("argument --cluster-id/-t: expected one argument"), so pass it in `=` form.
  const format = runJava(
    [
      'kafka.tools.StorageTool',
      'format',
      '--ignore-formatted',
      '-c',
      config,
      `--cluster-id=${randomBytes(16).toString('base64url')}`,
      ...(sasl?.formatArgs ?? []),
    ],
    logPath,
  );
  const [code] = (await once(format, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`private Kafka: formatting storage failed (exit ${code}); see ${logPath}`);

  let broker: ChildProcess | undefined;
  const killOnExit = (): void => {
    broker?.kill('SIGKILL');
  };
  process.on('exit', killOnExit);

  const start = async (): Promise<void> => {
    if (broker && broker.exitCode === null && broker.signalCode === null) return;
    broker = runJava(['kafka.Kafka', config], logPath);
    const started = broker;
    let exited = false;
    void once(started, 'exit').then(() => (exited = true));
    await waitFor(
      `the broker on port ${port}`,
      async () => {
        if (exited) throw new Error(`private Kafka: the broker exited while starting; see ${logPath}`);
        return portAnswers(port);
      },
      90_000,
    );
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const running = broker;
    broker = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill(signal);
    await exited;
    await waitFor('the port to close', async () => !(await portAnswers(port)), 30_000);
  };
  await start();
  return {
    brokers: [`127.0.0.1:${port}`],
    saslBrokers: saslPort ? [`127.0.0.1:${saslPort}`] : [],
    saslTlsBrokers: saslTlsPort ? [`127.0.0.1:${saslTlsPort}`] : [],
    dataDir,
    start,
    kill,
    restart: async (downMs = 0, signal: NodeJS.Signals = 'SIGKILL') => {
      await kill(signal);
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    close: async () => {
      await kill();
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
