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

/** Only when the broker refuses a dead letter as too large is its value cut to this many bytes (and said so). */
const TRUNCATED_VALUE_BYTES = 64 * 1024;

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
      // One letter plus our headers exceeded the broker's limit: send them one by one, cutting only that value.
      for (const letter of letters) {
        try {
          await this.send([this.toMessage(letter)]);
        } catch (single) {
          if (!isTooLarge(single)) throw single;
          await this.send([this.toMessage(letter, true)]);
        }
      }
    }
  }

  private async send(messages: Message[]): Promise<void> {
    await this.producer.send({ topic: this.topic, acks: -1, messages });
  }

  private toMessage(letter: DeadLetter, truncate = false): Message {
    const headers: IHeaders = {
      ...letter.headers,
      [DLQ_HEADERS.reason]: letter.reason,
      [DLQ_HEADERS.topic]: letter.topic,
      [DLQ_HEADERS.partition]: String(letter.partition),
      [DLQ_HEADERS.offset]: letter.offset,
      [DLQ_HEADERS.at]: new Date().toISOString(),
    };
    let value = letter.value;
    if (truncate && value !== null && value.length > TRUNCATED_VALUE_BYTES) {
      headers[DLQ_HEADERS.truncatedFrom] = String(value.length);
      value = value.subarray(0, TRUNCATED_VALUE_BYTES);
    }
    return { key: letter.key, value, headers };
  }
}
