import type { IHeaders, Message, Producer } from 'kafkajs';
import { DEAD_LETTER_TOPIC } from '../shared/names';

/** Header names of a dead letter: why it was refused and where it came from. */
export const DLQ_HEADERS = {
  reason: 'dlq.reason',
  topic: 'dlq.source.topic',
  partition: 'dlq.source.partition',
  offset: 'dlq.source.offset',
  at: 'dlq.failed.at',
  truncatedFrom: 'dlq.value.truncated.from',
  keyTruncatedFrom: 'dlq.key.truncated.from',
  /** Set when the original headers were cut or dropped to make the letter fit. */
  headersTruncated: 'dlq.headers.truncated',
} as const;

/** A record some consumer refused, with everything needed to inspect or replay it. */
export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
  reason: string;
}

/**
 * Only when the broker refuses a dead letter as too large is it cut: value, key and each original header to the
 * first budget that fits (the broker's limit is per topic and unknown here), down to 0 bytes, when only our own
 * headers remain. Every cut is said in a header, so a person knows the letter is not the whole record.
 */
const TRUNCATION_BUDGETS = [64 * 1024, 8 * 1024, 1024, 0];

function isTooLarge(error: unknown): boolean {
  return (error as { type?: string } | null)?.type === 'MESSAGE_TOO_LARGE';
}

/** Publishes refused records to the dead-letter topic: original key, value and headers, plus the reason and source. */
export class DeadLetterPublisher {
  constructor(
    private readonly producer: Producer,
    readonly topic: string = DEAD_LETTER_TOPIC,
  ) {}

  /** Resolves once the broker has every letter (acks from all in-sync replicas). */
  async publish(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    try {
      await this.send(letters.map((letter) => this.toMessage(letter)));
    } catch (error) {
      if (!isTooLarge(error)) throw error;
      // One letter plus our headers exceeded the broker's limit: send them one by one, cutting only those too large.
      for (const letter of letters) await this.publishOne(letter);
    }
  }

  private async publishOne(letter: DeadLetter): Promise<void> {
    try {
      return await this.send([this.toMessage(letter)]);
    } catch (error) {
      if (!isTooLarge(error)) throw error;
    }
    for (const budget of TRUNCATION_BUDGETS) {
      try {
        return await this.send([this.toMessage(letter, budget)]);
      } catch (error) {
        if (!isTooLarge(error) || budget === 0) throw error;
      }
    }
  }

  private async send(messages: Message[]): Promise<void> {
    await this.producer.send({ topic: this.topic, acks: -1, messages });
  }

  /** The letter as a record; with a `budget`, value, key and original headers cut to at most that many bytes each. */
  private toMessage(letter: DeadLetter, budget?: number): Message {
    const ours: IHeaders = {
      [DLQ_HEADERS.reason]: letter.reason,
      [DLQ_HEADERS.topic]: letter.topic,
      [DLQ_HEADERS.partition]: String(letter.partition),
      [DLQ_HEADERS.offset]: letter.offset,
      [DLQ_HEADERS.at]: new Date().toISOString(),
    };
    if (budget === undefined) return { key: letter.key, value: letter.value, headers: { ...letter.headers, ...ours } };
    const kept = cutHeaders(letter.headers ?? {}, budget);
    const headers: IHeaders = { ...kept.headers, ...ours };
    if (kept.cut) headers[DLQ_HEADERS.headersTruncated] = 'true';
    let { key, value } = letter;
    if (value !== null && value.length > budget) {
      headers[DLQ_HEADERS.truncatedFrom] = String(value.length);
      value = value.subarray(0, budget);
    }
    if (key !== null && key.length > budget) {
      headers[DLQ_HEADERS.keyTruncatedFrom] = String(key.length);
      key = key.subarray(0, budget);
    }
    return { key, value, headers };
  }
}

/** Original headers within `budget` bytes in all (each value cut to what is left); `cut` if anything was lost. */
function cutHeaders(headers: IHeaders, budget: number): { headers: IHeaders; cut: boolean } {
  const out: IHeaders = {};
  let left = budget;
  let cut = false;
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const value = Buffer.concat((Array.isArray(raw) ? raw : [raw]).map((v) => Buffer.from(v)));
    const room = left - Buffer.byteLength(name);
    if (room <= 0) {
      cut = true;
      continue;
    }
    if (value.length > room) cut = true;
    const keptValue = value.subarray(0, room);
    out[name] = keptValue;
    left -= Buffer.byteLength(name) + keptValue.length;
  }
  return { headers: out, cut };
}
