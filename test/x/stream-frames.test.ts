import { type StreamFrame, StreamFramer } from '../../src/x/stream-frames';

const post = (text: string): string => JSON.stringify({ data: { id: '1', text } });
const STREAM = Buffer.from(`\r\n${post('Привет 🌍')}\r\n\r\n${post('東京 😀 ё')}\r\n${post('x')}\r\n`, 'utf8');
const EXPECTED: StreamFrame[] = [
  { kind: 'heartbeat' },
  { kind: 'payload', value: { data: { id: '1', text: 'Привет 🌍' } } },
  { kind: 'heartbeat' },
  { kind: 'payload', value: { data: { id: '1', text: '東京 😀 ё' } } },
  { kind: 'payload', value: { data: { id: '1', text: 'x' } } },
];

test('every cut of the stream into two reads yields the same frames', () => {
  for (let at = 0; at <= STREAM.length; at++) {
    const framer = new StreamFramer();
    const frames = [...framer.push(STREAM.subarray(0, at)), ...framer.push(STREAM.subarray(at))];
    expect({ at, frames }).toEqual({ at, frames: EXPECTED });
  }
});

test('one byte per read yields the same frames', () => {
  const framer = new StreamFramer();
  const frames: StreamFrame[] = [];
  for (let i = 0; i < STREAM.length; i++) frames.push(...framer.push(STREAM.subarray(i, i + 1)));
  expect(frames).toEqual(EXPECTED);
});

test('a frame that is not JSON is reported by length only, and the next frame is read normally', () => {
  const framer = new StreamFramer();
  expect(framer.push(Buffer.from('{"data":\r\n{"ok":1}\r\n'))).toEqual([
    { kind: 'invalid', bytes: 8 },
    { kind: 'payload', value: { ok: 1 } },
  ]);
  // reset() drops a partial frame, as a new connection must.
  framer.push(Buffer.from('{"half":'));
  framer.reset();
  expect(framer.push(Buffer.from('{"b":2}\r\n'))).toEqual([{ kind: 'payload', value: { b: 2 } }]);
});
