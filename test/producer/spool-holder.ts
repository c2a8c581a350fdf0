/**
 * A process that holds a producer spool (argv: dir, then tweet ids to append) and prints `spooled` once every post
 * is on disk; it then waits to be killed, as a producer stuck in a broker outage would be.
 */
import { ProducerSpool } from '../../src/producer/spool';

async function hold(dir: string, ids: string[]): Promise<void> {
  // Its warnings go to the test's output: plain console, nothing else of the product's logging.
  const spool = await ProducerSpool.open({
    dir,
    log: { info: (m) => console.log(m), warn: (m) => console.warn(m), error: (m) => console.error(m) },
  });
  await Promise.all(ids.map((id) => spool.append({ id, authorId: '285532415' })));
  console.log('spooled');
  setInterval(() => undefined, 60_000);
}

void hold(process.argv[2], process.argv.slice(3));
