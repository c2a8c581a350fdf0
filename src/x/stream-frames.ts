/** One unit of X's filtered-stream framing. */
export type StreamFrame =
  | { kind: 'heartbeat' }
  | { kind: 'payload'; value: unknown }
  /** Bytes between two CRLFs that are not JSON; `bytes` is their length (the content may hold user text, so it is not kept). */
  | { kind: 'invalid'; bytes: number };

const CR = 0x0d;
const LF = 0x0a;

/**
 * Cuts X's stream into frames: each post is a JSON object followed by CRLF, a heartbeat is a bare CRLF, and reads
 * may split anywhere (inside a UTF-8 character, between CR and LF). It works on bytes and decodes a frame only once
 * it is whole: CR and LF never occur inside a multi-byte UTF-8 sequence, so a byte-level cut is always safe.
 * This replaces twitter-api-v2 1.29's parser, which decodes each read on its own (corrupting split characters) and
 * drops a read that is exactly CRLF as a heartbeat even when it ends a post, gluing two posts into one bad frame.
 */
export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0);
  /** Where the CRLF search resumes: bytes before it hold no complete terminator. */
  private scanned = 0;

  /** Adds one read and returns the frames it completed, in order. */
  push(chunk: Buffer): StreamFrame[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const frames: StreamFrame[] = [];
    let start = 0;
    for (let i = Math.max(this.scanned, 1); i < this.buffer.length; i++) {
      if (this.buffer[i] !== LF || this.buffer[i - 1] !== CR) continue;
      frames.push(toFrame(this.buffer.subarray(start, i - 1)));
      start = i + 1;
      i = start; // the next terminator ends at start + 1 at the earliest
    }
    this.buffer = this.buffer.subarray(start);
    // Resume one byte back: a trailing CR may pair with the next read's LF.
    this.scanned = Math.max(1, this.buffer.length);
    return frames;
  }

  /** Forgets a partial frame (a new connection starts clean). */
  reset(): void {
    this.buffer = Buffer.alloc(0);
    this.scanned = 0;
  }
}

function toFrame(bytes: Buffer): StreamFrame {
  if (bytes.length === 0) return { kind: 'heartbeat' };
  try {
    return { kind: 'payload', value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch {
    return { kind: 'invalid', bytes: bytes.length };
  }
}
