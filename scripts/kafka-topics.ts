/** Creates the product's Kafka topics if missing (used by `npm run stack -- up`). */
import { processEnv } from '../src/config/env';
import { createKafka } from '../src/kafka/client';
import { readKafkaSettings } from '../src/kafka/config';
import { ensureTopics } from '../src/kafka/topics';

async function main(): Promise<void> {
  const settings = readKafkaSettings(processEnv(), 'retweet-tracker-stack');
  const admin = createKafka(settings).admin();
  await admin.connect();
  try {
    const created = await ensureTopics(admin, settings.tweetsPartitions);
    console.log(created.length ? `created topics: ${created.join(', ')}` : 'topics already exist');
  } finally {
    await admin.disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
