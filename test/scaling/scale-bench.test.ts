// The pure parts of `npm run bench:scale`: the load side's frame reader (it must answer
// every ping or the server's heartbeat drops it, and must not miscount frames split
// across reads), and the arithmetic that turns raw timings into the reported numbers.
import { describe, expect, it } from 'vitest';
import { Opcode, encodeFrame } from '../../src/protocol/websocket/index.js';
import { ServerFrameReader, TimeBins, pongFrame } from '../../bench/scale-frames.js';
import { mergeBins, pingHistogram, project, summarizeDeliveries, type StepResult } from '../../bench/scale-report.js';

const frame = (opcode: (typeof Opcode)[keyof typeof Opcode], payload: Uint8Array): Buffer => Buffer.concat(encodeFrame(Buffer.from(payload), { opcode }));

function readAll(chunks: Uint8Array[]): { pings: string[]; frames: number[] } {
  const reader = new ServerFrameReader();
  const pings: string[] = [];
  const frames: number[] = [];
  for (const chunk of chunks) reader.read(chunk, { ping: (payload) => pings.push(Buffer.from(payload).toString()), frame: (opcode) => frames.push(opcode) });
  return { pings, frames };
}

describe('ServerFrameReader', () => {
  const stream = Buffer.concat([
    frame(Opcode.Text, Buffer.from('{"type":"subscribed"}')),
    frame(Opcode.Ping, Buffer.from('hb')),
    frame(Opcode.Text, Buffer.alloc(300, 0x7e)), // 16-bit length
    frame(Opcode.Ping, new Uint8Array(0)),
    frame(Opcode.Binary, Buffer.alloc(70_000)), // 64-bit length
  ]);

  it('reports every frame and ping payload from one chunk', () => {
    expect(readAll([stream])).toEqual({ pings: ['hb', ''], frames: [Opcode.Text, Opcode.Text, Opcode.Binary] });
  });

  it('reports the same whatever the split, down to one byte per read', () => {
    const bytes = [...stream.subarray(0, 400)].map((byte) => Uint8Array.of(byte));
    const rest = stream.subarray(400);
    expect(readAll([...bytes, rest.subarray(0, 3), rest.subarray(3)])).toEqual({ pings: ['hb', ''], frames: [Opcode.Text, Opcode.Text, Opcode.Binary] });
  });

  it('refuses a masked server frame and an oversized ping', () => {
    expect(() => readAll([Buffer.concat(encodeFrame(Buffer.from('x'), { opcode: Opcode.Text, mask: Buffer.from([1, 2, 3, 4]) }))])).toThrow(/masked/);
    expect(() => readAll([Uint8Array.of(0x89, 126, 0, 200)])).toThrow(/125/);
  });
});

describe('pongFrame', () => {
  it('is a masked pong that unmasks to the ping payload (RFC 6455 §5.3, §5.5.3)', () => {
    const pong = pongFrame(Buffer.from('hello'));
    expect(pong[0]).toBe(0x8a);
    expect(pong[1]).toBe(0x80 | 5);
    const mask = pong.subarray(2, 6);
    expect(Buffer.from(pong.subarray(6).map((byte, i) => byte ^ mask[i & 3])).toString()).toBe('hello');
  });
});

describe('report arithmetic', () => {
  it('bins times and merges bins of several processes', () => {
    const bins = new TimeBins(50);
    for (const ms of [0, 49, 50, 175]) bins.add(ms);
    expect(bins.counts).toEqual([2, 1, 0, 1]);
    expect(mergeBins([bins.counts, [1]])).toEqual([3, 1, 0, 1]);
  });

  it('summarizes deliveries from the publish time', () => {
    const summary = summarizeDeliveries([110, 105, 130, 101], 100, 5);
    expect(summary).toMatchObject({ delivered: 4, open: 5, firstMs: 1, lastMs: 30, p50Ms: 10 });
  });

  it('draws a histogram line per 250 ms, scaled to the largest', () => {
    const lines = pingHistogram([10, 0, 0, 0, 0, 5, 0, 0, 0, 0], 50, 0, 500, 250, 10);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/#{10} 10$/);
    expect(lines[1]).toMatch(/\| #{5} {5} 5$/);
  });

  it('projects from the largest WebSocket step and names the bound', () => {
    const step = { kind: 'ws', connections: 10_000, rssPerConnection: 6000, rssPerConnectionAfterHold: 7000, kernelSlabPerConnection: 3000, cpuPerPingMicros: 10, broadcast: { lastMs: 100, delivered: 10_000 } } as StepResult;
    const p = project([{ ...step, connections: 1000, rssPerConnection: 1 }, step], { connections: 1_000_000, coresPerHost: 4, memoryPerHostGiB: 8, memoryShare: 0.25, heartbeatMs: 30_000, heartbeatCoreShare: 0.1, kernelPerSocket: 4096, broadcastBudgetMs: 1000 })!;
    expect(p.bytesPerConnection).toBe(10_000);
    expect(p.perProcessByMemory).toBe(Math.floor((8 * 2 ** 30 * 0.25) / 10_000 / 4));
    expect(p.perProcessByHeartbeat).toBe(300_000);
    expect(p.perProcessByBroadcast).toBe(100_000);
    expect(p.connectionsPerProcess).toBe(p.perProcessByMemory);
    expect(p.bound).toBe('memory');
    expect(p.hosts).toBe(Math.ceil(1_000_000 / (p.perProcessByMemory * 4)));
  });
});
