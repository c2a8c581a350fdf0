import { PartitionWatermarks, validateWatermarkReport } from '../../src/domain/watermark';
import { decodeTweetRecord, encodeWatermarkRecord } from '../../src/kafka/tweet-record';

describe('partition watermarks', () => {
  it('the low watermark waits for every partition, and marks only move forward', () => {
    const marks = new PartitionWatermarks();
    expect(marks.apply({ partitions: 3, marks: { '0': 1_000, '1': 2_000 } })).toBe(false);
    expect(marks.low()).toBeUndefined();
    expect(marks.apply({ partitions: 3, marks: { '2': 1_500 } })).toBe(true);
    expect(marks.low()).toBe(1_000);
    // An older report (a redelivery, another bridge instance lagging) never moves a mark back.
    marks.apply({ partitions: 3, marks: { '0': 500 } });
    expect(marks.low()).toBe(1_000);
    marks.apply({ partitions: 3, marks: { '0': 3_000 } });
    expect(marks.low()).toBe(1_500);
    // Carried through Continue-As-New as a report.
    const carried = new PartitionWatermarks();
    carried.apply(marks.toReport()!);
    expect(carried.low()).toBe(1_500);
  });

  it('rejects reports a bridge of ours would never send, naming the problem', () => {
    expect(validateWatermarkReport({ partitions: 2, marks: { '2': 5 } })).toEqual({
      ok: false,
      reason: 'marks has a partition outside 0..1: "2"',
    });
    expect(validateWatermarkReport({ partitions: 0, marks: {} })).toMatchObject({ ok: false });
    expect(validateWatermarkReport({ partitions: 2, marks: { '0': -1 } })).toMatchObject({ ok: false });
    expect(validateWatermarkReport([1])).toMatchObject({ ok: false });
    expect(validateWatermarkReport({ partitions: 2, marks: { '1': 7 } })).toEqual({
      ok: true,
      value: { partitions: 2, marks: { '1': 7 } },
    });
  });

  it('watermark records round-trip through the tweets topic format, and are never mistaken for tweets', () => {
    const record = encodeWatermarkRecord({ watermarkMs: 1_795_000_000_000, partitions: 6 }, 4);
    expect(record.partition).toBe(4);
    expect(decodeTweetRecord(Buffer.from(record.key), Buffer.from(record.value))).toEqual({
      ok: true,
      watermark: { watermarkMs: 1_795_000_000_000, partitions: 6 },
    });
    const broken = JSON.stringify({ v: 1, watermarkMs: 'soon', partitions: 6 });
    expect(decodeTweetRecord(Buffer.from('watermark'), Buffer.from(broken))).toEqual({
      ok: false,
      reason: 'watermarkMs must be epoch milliseconds',
    });
  });
});
