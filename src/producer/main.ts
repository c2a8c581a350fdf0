/** `npm run producer [-- --replay file.jsonl]`: the tweets producer as a process. SIGINT/SIGTERM stop it cleanly. */
import { processEnv } from '../config/env';
import { createKafka } from '../kafka/client';
import { ensureProductTopics } from '../kafka/topics';
import { consoleLog, errorMessage } from '../kafka/log';
import { createXClient, readXConfig, type XClient } from '../x';
import { readProducerSettings } from './config';
import { startProducer } from './producer';
import { replaySource, xStreamSource } from './sources';

async function main(): Promise<void> {
  const env = processEnv();
  const settings = readProducerSettings(env, process.argv.slice(2));
  let xClient: XClient | undefined;
  if (!settings.replayFile) xClient = createXClient(readXConfig(env));
  const source = settings.replayFile
    ? replaySource(settings.replayFile, consoleLog)
    : xStreamSource(xClient as XClient, settings.followedUserIds, consoleLog);

  const kafka = createKafka(settings.kafka);
  const created = await ensureProductTopics(kafka, settings.topics, settings.kafka.tweetsPartitions);
  if (created.length > 0) console.log(`Created Kafka topics: ${created.join(', ')}`);
  const producer = await startProducer({ kafka, source, topic: settings.topics.tweets });
  // The one shutdown path: a signal stops reading and flushes what is in flight; a second one forces the exit.
  let signalled = false;
  const onSignal = (name: NodeJS.Signals): void => {
    if (signalled) process.exit(1);
    signalled = true;
    console.log(`${name}: stopping the producer (flushing in-flight tweets)`);
    void producer.stop().catch(() => undefined);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const stats = await producer.done;
    console.log(`Producer stopped: ${stats.published} tweets published, ${stats.skipped} skipped`);
  } finally {
    xClient?.close();
  }
}

main().catch((error: unknown) => {
  console.error(`Producer failed: ${errorMessage(error)}`);
  process.exitCode = 1;
});
