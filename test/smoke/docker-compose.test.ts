import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readTopicNames } from '../../src/kafka/config';
import { productTopics } from '../../src/kafka/topics';

/** Docker cannot run here, so the compose file is checked for what users rely on: services, ports and topics. */
describe('docker-compose.yml', () => {
  interface Service {
    image?: string;
    ports?: string[];
    command?: string[];
    environment?: Record<string, string | number>;
    depends_on?: Record<string, { condition: string }>;
  }
  const compose = parse(readFileSync(join(__dirname, '../../docker-compose.yml'), 'utf8')) as {
    services: Record<string, Service>;
  };

  it('runs the Temporal dev server with its Web UI on the same ports as the scripts, persisted to a volume', () => {
    const temporal = compose.services.temporal;
    expect(temporal.image).toMatch(/^temporalio\/temporal:/);
    expect(temporal.command?.slice(0, 2)).toEqual(['server', 'start-dev']);
    expect(temporal.command).toContain('--db-filename');
    expect(temporal.ports).toEqual(expect.arrayContaining(['7233:7233', '8233:8233']));
  });

  it('runs Kafka in KRaft mode, reachable from the host at localhost:9092', () => {
    const kafka = compose.services.kafka;
    expect(kafka.image).toMatch(/^apache\/kafka:/);
    expect(kafka.ports).toContain('9092:9092');
    expect(String(kafka.environment?.KAFKA_PROCESS_ROLES)).toBe('broker,controller');
    expect(String(kafka.environment?.KAFKA_ADVERTISED_LISTENERS)).toContain('localhost:9092');
  });

  it("ships Temporal's admin tools (tctl and temporal) pointed at the server, for `docker compose exec admin-tools tctl ...`", () => {
    const tools = compose.services['admin-tools'];
    expect(tools.image).toMatch(/^temporalio\/admin-tools:/);
    expect(tools.depends_on?.temporal.condition).toBe('service_healthy');
    expect(tools.environment).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_CLI_ADDRESS: 'temporal:7233',
    });
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    expect(readme).toContain('docker compose exec admin-tools tctl workflow start');
  });

  it('creates exactly the topics the product creates itself, with the same partition counts', () => {
    const bootstrap = compose.services['kafka-topics'];
    expect(bootstrap.depends_on?.kafka.condition).toBe('service_healthy');
    const script = (bootstrap.command ?? []).join(' ');
    const created = [...script.matchAll(/--topic (\S+) --partitions (\d+)/g)].map((m) => ({
      topic: m[1],
      partitions: Number(m[2]),
    }));
    const expected = productTopics(readTopicNames({}), 6).map((t) => ({ topic: t.topic, partitions: t.numPartitions }));
    expect(created).toEqual(expected);
  });
});
