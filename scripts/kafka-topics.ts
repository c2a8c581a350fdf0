/** Creates the product's Kafka topics if missing (used by `npm run stack -- up`). */
import { processEnv } from '../src/config/env';
import { createKafka } from '../src/kafka/client';
import { readKafkaSettings, readTopicNames } from '../src/kafka/config';
import { ensureProductTopics } from '../src/kafka/topics';

async function main(): Promise<void> {
  const env = processEnv();
  const settings = readKafkaSettings(env, 'retweet-tracker-stack');
  const created = await ensureProductTopics(createKafka(settings), readTopicNames(env), settings.tweetsPartitions);
  console.log(created.length ? `created topics: ${created.join(', ')}` : 'topics already exist');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
