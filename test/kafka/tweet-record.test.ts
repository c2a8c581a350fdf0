import type { Kafka } from 'kafkajs';
import { decodeTweetRecord, encodeTweetRecord, MAX_TWEET_RECORD_BYTES } from '../../src/kafka/tweet-record';
import { createTopic, deleteTopics, produceTweets, readRecords, sampleTweet, testKafka } from './helpers';

const buf = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('tweet record codec', () => {
  it('encodes key = tweet id and a versioned JSON value that decodes back to the same tweet', () => {
    const tweet = sampleTweet();
    const record = encodeTweetRecord(tweet);
    expect(record.key).toBe(tweet.id);
    expect(JSON.parse(record.value)).toEqual({ v: 1, ...tweet });
    expect(decodeTweetRecord(buf(record.key), buf(record.value))).toEqual({ ok: true, tweet });
  });

  it('keeps only the optional fields that are present and ignores unknown ones', () => {
    const value = JSON.stringify({ v: 1, id: '1234567890123456789', authorId: '42', futureField: [1, 2] });
    expect(decodeTweetRecord(null, buf(value))).toEqual({
      ok: true,
      tweet: { id: '1234567890123456789', authorId: '42' },
    });
  });

  it.each([
    ['an empty value', '', 'empty value'],
    ['a value that is not JSON', 'not json {', 'value is not JSON'],
    ['a JSON array', '[1,2]', 'value is not a JSON object'],
    ['no version', JSON.stringify({ id: '1', authorId: '2' }), 'missing record version "v"'],
    ['an unknown version', JSON.stringify({ v: 2, id: '1', authorId: '2' }), 'unsupported record version: 2'],
    ['no id', JSON.stringify({ v: 1, authorId: '2' }), 'id must be a decimal tweet id string'],
    ['a numeric id', JSON.stringify({ v: 1, id: 123, authorId: '2' }), 'id must be a decimal tweet id string'],
    ['no author', JSON.stringify({ v: 1, id: '1' }), 'authorId must be a decimal user id string'],
    [
      'a bad date',
      JSON.stringify({ v: 1, id: '1', authorId: '2', createdAt: 'yesterday' }),
      'createdAt must be an ISO-8601 date string',
    ],
    [
      'a retweet without original author',
      JSON.stringify({ v: 1, id: '1', authorId: '2', retweetedOf: { id: '3' } }),
      'retweetedOf.authorId must be a decimal user id string',
    ],
  ])('refuses %s with a reason', (_case, value, reason) => {
    expect(decodeTweetRecord(null, buf(value))).toEqual({ ok: false, reason });
  });

  it('refuses a value larger than the limit before parsing it, and a key that is not the tweet id', () => {
    const huge = JSON.stringify({ v: 1, id: '1', authorId: '2', padding: 'x'.repeat(MAX_TWEET_RECORD_BYTES) });
    expect(decodeTweetRecord(null, buf(huge))).toEqual({
      ok: false,
      reason: `value too large: ${huge.length} bytes (limit ${MAX_TWEET_RECORD_BYTES})`,
    });
    const { value } = encodeTweetRecord(sampleTweet());
    expect(decodeTweetRecord(buf('999'), buf(value))).toEqual({ ok: false, reason: 'key is not the tweet id' });
  });

  describe('through the real broker', () => {
    let kafka: Kafka;
    let topic: string;
    beforeAll(async () => {
      kafka = await testKafka();
      topic = await createTopic(kafka, 'codec', 3);
    });
    afterAll(() => deleteTopics(kafka, [topic]));

    it('records written by encodeTweetRecord are read back and decoded unchanged, tweets of one id on one partition', async () => {
      const tweets = [sampleTweet(), sampleTweet({ retweetedOf: undefined, authorUsername: undefined }), sampleTweet()];
      await produceTweets(kafka, topic, tweets);
      await produceTweets(kafka, topic, [tweets[0]]);
      const records = await readRecords(kafka, topic, 4);
      const decoded = records.map((r) => decodeTweetRecord(r.key === null ? null : buf(r.key), r.value));
      expect(decoded.every((d) => d.ok)).toBe(true);
      const byId = (a: { id: string }, b: { id: string }): number => a.id.localeCompare(b.id);
      expect(decoded.map((d) => (d.ok && d.tweet ? d.tweet : { id: '' })).sort(byId)).toEqual(
        [...tweets, tweets[0]].sort(byId),
      );
      const partitionsOfFirst = records.filter((r) => r.key === tweets[0].id).map((r) => r.partition);
      expect(partitionsOfFirst).toHaveLength(2);
      expect(partitionsOfFirst[0]).toBe(partitionsOfFirst[1]);
    });
  });
});
