import { describe, expect, it } from 'vitest';
import { ConnectionTrace, WireDecoder, findTrace, liveTraces, setEndedTracesKept, subscribeTrace, type TraceEvent } from '../../src/trace/index.js';
import { rawFrame } from '../support/raw-frame.js';

describe('WireDecoder', () => {
  it('reads a head split anywhere, then the frames after it in the same chunk', () => {
    const decoder = new WireDecoder(true);
    const bytes = Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), rawFrame({ opcode: 1, payload: 'hi', mask: [1, 2, 3, 4] })]);
    const pieces = [...bytes].flatMap((byte) => decoder.push(Uint8Array.of(byte)));
    expect(pieces.map((p) => p.type)).toEqual(['http-head', 'frame']);
    expect(pieces[0]).toMatchObject({ bytes: 27, text: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', exact: true });
    expect(pieces[1]).toMatchObject({ bytes: 8, frame: { text: 'hi', maskKey: '01020304' } });
  });

  it('after a response other than 101, the rest is body text', () => {
    const decoder = new WireDecoder(true);
    expect(decoder.push(Buffer.from('HTTP/1.1 404 Not Found\r\n\r\nnope')).map((p) => p.type)).toEqual(['http-head', 'body']);
    expect(decoder.push(Buffer.from(' more'))).toEqual([{ type: 'body', bytes: 5, text: ' more' }]);
  });

  it('gives up on a head with no end, and on frames it cannot follow', () => {
    const head = new WireDecoder(true);
    expect(head.push(Buffer.alloc(16 * 1024, 0x41))).toEqual([]);
    expect(head.push(Buffer.from('A'))).toEqual([{ type: 'unparsed', bytes: 16 * 1024 + 1, reason: 'no end of the HTTP head within 16384 bytes' }]);
    expect(head.push(Buffer.from('more'))).toEqual([{ type: 'unparsed', bytes: 4, reason: 'after bytes that could not be read as frames' }]);
    const frames = new WireDecoder(false);
    const [piece] = frames.push(Buffer.from('827f8000000000000000', 'hex'));
    expect(piece).toMatchObject({ type: 'unparsed', reason: expect.stringContaining('most significant bit') });
  });

  it('cuts a long payload at the capture limit', () => {
    const [piece] = new WireDecoder(false, 4).push(rawFrame({ opcode: 2, payload: Buffer.alloc(10, 9) }));
    expect(piece).toMatchObject({ type: 'frame', bytes: 12, hex: '020a09090909'.replace(/^02/, '82'), frame: { truncated: true, payloadLength: 10 } });
  });
});

describe('trace registry and history', () => {
  it('keeps the last events of a connection for late listeners, and a bounded number of ended traces', () => {
    const trace = new ConnectionTrace({ transport: 'sse', historyLimit: 2 });
    trace.body('server', 'a');
    trace.body('server', 'b');
    trace.body('server', 'c');
    expect(trace.events.map((e) => e.type === 'body' && e.text)).toEqual(['b', 'c']);
    expect(liveTraces()).toContain(trace);
    const seen: TraceEvent[] = [];
    const stop = trace.subscribe((event) => seen.push(event));
    trace.end();
    trace.end();
    trace.body('server', 'late');
    expect(seen.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(trace.subscribe(() => {})).toBeTypeOf('function');
    stop();
    expect(findTrace(trace.id)).toBe(trace);
    setEndedTracesKept(0);
    expect(findTrace(trace.id)).toBeUndefined();
    setEndedTracesKept(64);
    expect(() => setEndedTracesKept(-1)).toThrow(RangeError);
  });

  it('bounds the history in characters too, and cuts frames at 16 KiB by default', () => {
    const trace = new ConnectionTrace({ transport: 'websocket', historyChars: 1000 });
    trace.bytes('server', rawFrame({ opcode: 2, payload: Buffer.alloc(20_000) }));
    const [big] = trace.events;
    expect(big.type === 'frame' && [big.frame.truncated, big.hex.length, big.bytes]).toEqual([true, 2 * (4 + 16 * 1024), 20_004]);
    for (let i = 0; i < 20; i++) trace.body('server', 'x'.repeat(100));
    expect(trace.events.length).toBe(5);
    expect(trace.events.every((e) => e.type === 'body')).toBe(true);
    trace.end();
  });

  it('a label subscription made before the connection sees it from its first event, and stops when asked', () => {
    const seen: string[] = [];
    const stop = subscribeTrace({ label: 'early' }, (event) => seen.push(`${event.connection} ${event.type}`));
    const trace = new ConnectionTrace({ transport: 'long-polling', label: 'early' });
    trace.head('client', 'GET / HTTP/1.1\r\n\r\n', false);
    stop();
    trace.body('server', 'unseen');
    trace.end();
    expect(seen).toEqual([`${trace.id} http-head`]);
    expect(trace.id).toMatch(/^poll-\d+$/);
  });
});
