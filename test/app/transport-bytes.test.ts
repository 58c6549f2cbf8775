// measureTransportBytes (examples/app/transport-bytes.ts): the same messages over every
// transport, counted on the client's TCP sockets. What must hold whatever the machine:
// every message arrives, a bare frame costs exactly its RFC 6455 §5.2 header, the
// envelopes and HTTP cost more, and the figures add up.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SAMPLE_MESSAGES,
  TRANSPORT_NAMES,
  measureTransportBytes,
  sampleMessages,
  type TransportBytesRow,
  type TransportName,
} from '../../examples/app/transport-bytes.js';

/** RFC 6455 §5.2: 2 header bytes, +2 for a 16-bit length (126–65535), +8 for a 64-bit one; no mask from a server. */
function serverFrameHeader(payloadBytes: number): number {
  return payloadBytes <= 125 ? 2 : payloadBytes <= 0xffff ? 4 : 10;
}

function row(rows: readonly TransportBytesRow[], transport: TransportName): TransportBytesRow {
  const found = rows.find((candidate) => candidate.transport === transport);
  if (found === undefined) throw new Error(`no row for ${transport}`);
  return found;
}

const MESSAGES = [
  SAMPLE_MESSAGES.chat,
  SAMPLE_MESSAGES.cursor,
  SAMPLE_MESSAGES.document,
  'x',
  'y'.repeat(125),
  'z'.repeat(126),
  'héllo, wörld ✓ 🚀',
  JSON.stringify({ big: 'b'.repeat(70_000) }).slice(0, 65_535),
];

describe('measureTransportBytes', () => {
  let rows: TransportBytesRow[];

  it('delivers every message on every transport, in order, and reports one row per transport', async () => {
    rows = await measureTransportBytes({ messages: MESSAGES });
    expect(rows.map((r) => r.transport)).toEqual([...TRANSPORT_NAMES]);
    for (const r of rows) {
      expect(r.messages, r.label).toBe(MESSAGES.length);
      expect(r.delivered, r.label).toBe(MESSAGES.length);
      expect(r.perMessage, r.label).toHaveLength(MESSAGES.length);
    }
  });

  it('a bare frame costs exactly its RFC 6455 §5.2 header, and nothing from the client', () => {
    const frames = row(rows, 'websocket');
    MESSAGES.forEach((message, index) => {
      const payload = Buffer.byteLength(message);
      expect(frames.perMessage[index], `message ${index}`).toEqual({ serverToClient: payload + serverFrameHeader(payload), clientToServer: 0 });
    });
    const headers = MESSAGES.reduce((sum, message) => sum + serverFrameHeader(Buffer.byteLength(message)), 0);
    expect(frames.overheadPerMessage).toBeCloseTo(headers / MESSAGES.length, 9);
  });

  it('switchboard.v1 costs more than the bare frame for every message; long polling costs the most', () => {
    const frames = row(rows, 'websocket');
    const pubsub = row(rows, 'switchboard.v1');
    MESSAGES.forEach((_, index) => {
      expect(pubsub.perMessage[index].serverToClient, `message ${index}`).toBeGreaterThan(frames.perMessage[index].serverToClient);
    });
    const polling = row(rows, 'long-polling');
    for (const other of rows.filter((r) => r !== polling)) expect(polling.bytesPerMessage, other.label).toBeGreaterThan(other.bytesPerMessage);
    // Each poll is a request: the client sends bytes for every message.
    for (const bytes of polling.perMessage) expect(bytes.clientToServer).toBeGreaterThan(0);
  });

  it('the figures add up: per message sums to the total, the handshake is apart, overhead is bytes minus payload', () => {
    const payloadBytes = MESSAGES.reduce((sum, message) => sum + Buffer.byteLength(message), 0);
    for (const r of rows) {
      const sum = r.perMessage.reduce((acc, b) => ({ serverToClient: acc.serverToClient + b.serverToClient, clientToServer: acc.clientToServer + b.clientToServer }), { serverToClient: 0, clientToServer: 0 });
      expect(sum, r.label).toEqual(r.total);
      expect(r.payloadBytes, r.label).toBe(payloadBytes);
      expect(r.bytesPerMessage, r.label).toBeCloseTo((r.total.serverToClient + r.total.clientToServer) / MESSAGES.length, 9);
      expect(r.overheadPerMessage, r.label).toBeCloseTo(r.bytesPerMessage - payloadBytes / MESSAGES.length, 9);
      // Connecting took bytes both ways (a request head, an upgrade or a preface) and none of it is in `total`.
      expect(r.handshake.serverToClient, r.label).toBeGreaterThan(0);
      expect(r.handshake.clientToServer, r.label).toBeGreaterThan(0);
      expect(r.connections, r.label).toBeGreaterThanOrEqual(1);
    }
    // A stream the server writes to: nothing goes back per message.
    for (const name of ['websocket', 'switchboard.v1', 'sse-http1'] as const) expect(row(rows, name).total.clientToServer, name).toBe(0);
  });

  // Every length form of §5.2: 7-bit, 16-bit and 64-bit (past 65 535 bytes).
  const anyText = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 300, size: 'max' }),
    fc.integer({ min: 100, max: 70_000 }).map((length) => 'a'.repeat(length)),
  );

  it('any text as a bare frame: the overhead is the §5.2 header for its UTF-8 length', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyText, { minLength: 1, maxLength: 4 }), async (messages) => {
        const [frames] = await measureTransportBytes({ messages, transports: ['websocket'], maxMessageBytes: 70_000 });
        expect(frames.delivered).toBe(messages.length);
        messages.forEach((message, index) => {
          const payload = Buffer.byteLength(message);
          expect(frames.perMessage[index].serverToClient).toBe(payload + serverFrameHeader(payload));
        });
      }),
      { numRuns: 15 },
    );
  });

  it('refuses what it cannot measure, before opening anything', async () => {
    await expect(measureTransportBytes({ messages: [] })).rejects.toThrow(/non-empty/);
    await expect(measureTransportBytes({ messages: sampleMessages(4), maxMessages: 3 })).rejects.toThrow(/at most 3 messages/);
    await expect(measureTransportBytes({ messages: ['abcd'], maxMessageBytes: 3 })).rejects.toThrow(/larger than 3 bytes/);
    await expect(measureTransportBytes({ messages: ['a'], transports: ['carrier-pigeon' as TransportName] })).rejects.toThrow(/unknown transport/);
  });

  it('sample messages: the kinds in turn, the document exactly 1 KiB', () => {
    expect(Buffer.byteLength(SAMPLE_MESSAGES.document)).toBe(1024);
    expect(sampleMessages(4)).toEqual([SAMPLE_MESSAGES.chat, SAMPLE_MESSAGES.cursor, SAMPLE_MESSAGES.document, SAMPLE_MESSAGES.chat]);
    for (const text of Object.values(SAMPLE_MESSAGES)) expect(() => JSON.parse(text)).not.toThrow();
  });
});
