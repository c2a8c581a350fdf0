import type { Kafka, Producer } from 'kafkajs';
import { DeadLetterPublisher, DLQ_HEADERS } from '../../src/kafka/dead-letters';
import { createTopic, deleteTopics, readRecords, testKafka } from './helpers';

describe('DeadLetterPublisher (real broker)', () => {
  let kafka: Kafka;
  let producer: Producer;
  let topic: string;
  // Deleted only at the end: a producer that sent to a deleted topic fails its next metadata refresh.
  const extraTopics: string[] = [];

  beforeAll(async () => {
    kafka = await testKafka();
    topic = await createTopic(kafka, 'dlq', 1);
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
    await deleteTopics(kafka, [topic, ...extraTopics]);
  });

  it('keeps the original key, value and headers, and adds the reason and the source topic, partition and offset', async () => {
    const big = Buffer.alloc(1024 * 1024, 'x');
    await new DeadLetterPublisher(producer, topic).publish([
      {
        topic: 'tweets',
        partition: 4,
        offset: '17',
        key: Buffer.from('k1'),
        value: Buffer.from('not json'),
        headers: { trace: 'abc' },
        reason: 'value is not JSON',
      },
      { topic: 'tweets', partition: 5, offset: '18', key: null, value: big, reason: 'value too large' },
      { topic: 'tweets', partition: 0, offset: '0', key: null, value: null, reason: 'empty value' },
    ]);
    const letters = await readRecords(kafka, topic, 3);
    expect(letters[0].key).toBe('k1');
    expect(letters[0].value?.toString()).toBe('not json');
    expect(letters[0].headers).toMatchObject({
      trace: 'abc',
      [DLQ_HEADERS.reason]: 'value is not JSON',
      [DLQ_HEADERS.topic]: 'tweets',
      [DLQ_HEADERS.partition]: '4',
      [DLQ_HEADERS.offset]: '17',
    });
    expect(Date.parse(letters[0].headers[DLQ_HEADERS.at])).not.toBeNaN();
    // A 1 MiB value fits the broker's limit: it is kept whole, not truncated.
    expect(letters[1].value?.equals(big)).toBe(true);
    expect(letters[1].headers[DLQ_HEADERS.truncatedFrom]).toBeUndefined();
    expect(letters[1].headers).toMatchObject({ [DLQ_HEADERS.reason]: 'value too large', [DLQ_HEADERS.offset]: '18' });
    expect(letters[2].value).toBeNull();
    expect(letters[2].headers[DLQ_HEADERS.reason]).toBe('empty value');
  });

  it('cuts only a value the broker refuses as too large, and says so in a header', async () => {
    const small = await createTopic(kafka, 'dlq-small', 1, { 'max.message.bytes': String(200 * 1024) });
    extraTopics.push(small);
    const tooBig = Buffer.alloc(300 * 1024, 'y');
    await new DeadLetterPublisher(producer, small).publish([
      {
        topic: 'tweets',
        partition: 1,
        offset: '5',
        key: Buffer.from('a'),
        value: Buffer.from('{"v":9}'),
        reason: 'unsupported record version: 9',
      },
      { topic: 'tweets', partition: 1, offset: '6', key: Buffer.from('b'), value: tooBig, reason: 'value too large' },
    ]);
    const letters = await readRecords(kafka, small, 2);
    expect(letters.map((l) => l.key)).toEqual(['a', 'b']);
    expect(letters[0].value?.toString()).toBe('{"v":9}');
    expect(letters[0].headers[DLQ_HEADERS.truncatedFrom]).toBeUndefined();
    expect(letters[1].headers[DLQ_HEADERS.truncatedFrom]).toBe(String(tooBig.length));
    expect(letters[1].value?.equals(tooBig.subarray(0, 64 * 1024))).toBe(true);
    expect(letters[1].headers[DLQ_HEADERS.offset]).toBe('6');
  });

  it('cuts value, key and headers of a letter near the limit until it fits, and says what was cut', async () => {
    const limit = 200 * 1024;
    const small = await createTopic(kafka, 'dlq-tight', 1, { 'max.message.bytes': String(limit) });
    extraTopics.push(small);
    const key = Buffer.alloc(150 * 1024, 'k');
    const value = Buffer.alloc(190 * 1024, 'v');
    const headers = { trace: 'abc', big1: 'h'.repeat(60 * 1024), big2: 'i'.repeat(60 * 1024) };
    await new DeadLetterPublisher(producer, small).publish([
      { topic: 'tweets', partition: 2, offset: '9', key, value, headers, reason: 'value too large' },
    ]);
    const [letter] = await readRecords(kafka, small, 1);
    expect(letter.headers).toMatchObject({
      [DLQ_HEADERS.reason]: 'value too large',
      [DLQ_HEADERS.offset]: '9',
      [DLQ_HEADERS.partition]: '2',
      trace: 'abc',
    });
    expect(letter.headers[DLQ_HEADERS.truncatedFrom]).toBe(String(value.length));
    expect(letter.headers[DLQ_HEADERS.keyTruncatedFrom]).toBe(String(key.length));
    expect(letter.headers[DLQ_HEADERS.headersTruncated]).toBe('true');
    // What is kept is the start of each original, so a person can still recognise the record.
    expect(key.toString().startsWith(letter.key ?? '-')).toBe(true);
    expect(value.subarray(0, letter.value?.length).equals(letter.value as Buffer)).toBe(true);
    const size =
      (letter.key?.length ?? 0) +
      (letter.value?.length ?? 0) +
      Object.entries(letter.headers).reduce((n, [k, v]) => n + k.length + v.length, 0);
    expect(size).toBeLessThan(limit);
  });
});
