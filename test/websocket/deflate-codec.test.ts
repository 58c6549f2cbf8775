import { randomBytes } from 'node:crypto';
import { constants, deflateRawSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { type CompressionPlan, ProtocolError, removeDeflateTail } from '../../src/protocol/websocket/index.js';
import { DeflateCodec, IDLE_SWEEP } from '../../src/websocket/deflate-codec.js';
import { INLINE_INFLATE_FROM_UP_TO, INLINE_INFLATE_UP_TO, INLINE_UP_TO } from '../../src/websocket/inline-deflate.js';
import { resolveCompression } from '../../src/websocket/deflate-options.js';
import { ZlibLimiter } from '../../src/websocket/zlib-limiter.js';
import { hex } from '../support/raw-frame.js';

// The zlib side of permessage-deflate: one connection's streams, the inflated
// size limit checked while inflating (inflation bombs), bad data, streams freed
// when idle, and the per-process limit on zlib work in flight.

const KEEP: CompressionPlan = { compress: { windowBits: 15, resetEachMessage: false }, decompress: { windowBits: 15, resetEachMessage: false } };
const RESET: CompressionPlan = { compress: { windowBits: 15, resetEachMessage: true }, decompress: { windowBits: 15, resetEachMessage: true } };
const settings = resolveCompression(true)!;

const compress = (codec: DeflateCodec, data: Buffer): Promise<Buffer> =>
  new Promise((resolve, reject) => codec.compress(data, (error, out) => (error ? reject(error) : resolve(out!))));
const decompress = (codec: DeflateCodec, data: Buffer): Promise<Buffer> =>
  new Promise((resolve, reject) => codec.decompress(data, (error, out) => (error ? reject(error) : resolve(out!))));
const failure = (codec: DeflateCodec, data: Buffer): Promise<ProtocolError> =>
  new Promise((resolve, reject) => codec.decompress(data, (error) => (error ? resolve(error) : reject(new Error('inflated')))));
const syncFlushed = (data: Buffer): Buffer => removeDeflateTail(deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH }));

describe('DeflateCodec', () => {
  it('compresses "Hello" twice as RFC 7692 §7.2.3.2 shows: f2 48 cd c9 c9 07 00, then f2 00 11 00 00', async () => {
    const codec = new DeflateCodec(KEEP, settings, 1 << 20);
    expect(await compress(codec, Buffer.from('Hello'))).toEqual(hex('f2 48 cd c9 c9 07 00'));
    expect(await compress(codec, Buffer.from('Hello'))).toEqual(hex('f2 00 11 00 00'));
    codec.close();
  });

  it('an empty message right after another still gets its empty block (zlib refuses a second sync flush with no input)', async () => {
    const sender = new DeflateCodec(KEEP, settings, 1 << 20);
    const receiver = new DeflateCodec(KEEP, settings, 1 << 20);
    for (const text of ['Hello', '', '', 'Hello']) {
      const compressed = await compress(sender, Buffer.from(text));
      expect(compressed.length).toBeGreaterThan(0);
      expect((await decompress(receiver, compressed)).toString()).toBe(text);
    }
    sender.close();
    receiver.close();
  });

  it('without context takeover every message starts afresh (§7.1.1)', async () => {
    const codec = new DeflateCodec(RESET, settings, 1 << 20);
    expect(await compress(codec, Buffer.from('Hello'))).toEqual(hex('f2 48 cd c9 c9 07 00'));
    expect(await compress(codec, Buffer.from('Hello'))).toEqual(hex('f2 48 cd c9 c9 07 00'));
  });

  it('inflates with the window kept, and with it reset', async () => {
    const keep = new DeflateCodec(KEEP, settings, 1 << 20);
    expect((await decompress(keep, hex('f2 48 cd c9 c9 07 00'))).toString()).toBe('Hello');
    expect((await decompress(keep, hex('f2 00 11 00 00'))).toString()).toBe('Hello');
    const reset = new DeflateCodec(RESET, settings, 1 << 20);
    expect((await decompress(reset, hex('f2 48 cd c9 c9 07 00'))).toString()).toBe('Hello');
    // The reference back into the last message's window cannot be resolved once it was reset.
    expect((await failure(reset, hex('f2 00 11 00 00'))).closeCode).toBe(1007);
  });

  it('a message ending with a BFINAL block (§7.2.3.4) ends the stream; the next one starts afresh', async () => {
    const codec = new DeflateCodec(KEEP, settings, 1 << 20);
    expect((await decompress(codec, hex('f3 48 cd c9 c9 07 00'))).toString()).toBe('Hello');
    expect((await decompress(codec, hex('f2 48 cd c9 c9 07 00'))).toString()).toBe('Hello');
  });

  it('frees its streams once idle for a sweep or two without context takeover, keeps them with it', { timeout: 10_000 }, async () => {
    const reset = new DeflateCodec(RESET, settings, 1 << 20);
    const keep = new DeflateCodec(KEEP, settings, 1 << 20);
    // Larger than is compressed inline: these go through the streams.
    const large = Buffer.from('Hello '.repeat(1000));
    expect(large.length).toBeGreaterThan(INLINE_UP_TO);
    await compress(reset, large);
    // Random bytes do not shrink: more than is inflated inline.
    const noise = randomBytes(INLINE_INFLATE_FROM_UP_TO + 1);
    expect(await decompress(reset, syncFlushed(noise))).toEqual(noise);
    await compress(keep, Buffer.from('Hello'));
    // Kept between messages that follow each other…
    expect(reset.holdsStreams).toBe(true);
    // …and freed once quiet for one to two sweeps.
    await new Promise((resolve) => setTimeout(resolve, 2 * IDLE_SWEEP + 200));
    expect(reset.holdsStreams).toBe(false);
    expect(keep.holdsStreams).toBe(true);
    // A message after that makes a new stream, and starts with an empty window as it must.
    expect(await compress(reset, large)).toEqual(syncFlushed(large));
    reset.close();
    keep.close();
    expect(keep.holdsStreams).toBe(false);
  });

  it('small messages without context takeover are done inline: no stream held, no thread-pool job', async () => {
    const limiter = new ZlibLimiter(1);
    const run = vi.spyOn(limiter, 'run');
    const codec = new DeflateCodec(RESET, { ...settings, limiter }, 1 << 20);
    const small = Buffer.from('Hello '.repeat(600));
    expect(small.length).toBeLessThanOrEqual(INLINE_UP_TO);
    let answered = false;
    const compressed = new Promise<Buffer>((resolve) =>
      codec.compress(small, (_, out) => {
        answered = true;
        resolve(out!);
      }),
    );
    // Answered later, as a thread-pool job is: never inside the call.
    expect(answered).toBe(false);
    expect(await compressed).toEqual(syncFlushed(small));
    expect((await decompress(codec, syncFlushed(small))).toString()).toBe(small.toString());
    // The empty message: an empty stored block, which inflates to nothing.
    const empty = await compress(codec, Buffer.alloc(0));
    expect((await decompress(codec, empty)).length).toBe(0);
    expect(run).not.toHaveBeenCalled();
    expect(codec.holdsStreams).toBe(false);
    // A larger message goes through the limiter and a stream, as before.
    await compress(codec, Buffer.alloc(INLINE_UP_TO + 1, 'a'));
    expect(run).toHaveBeenCalledTimes(1);
    expect(codec.holdsStreams).toBe(true);
    codec.close();
  });

  it('a small message that inflates past what is made inline is inflated again on the thread pool', async () => {
    const data = Buffer.alloc(INLINE_INFLATE_UP_TO * 3, 'a');
    const compressed = syncFlushed(data);
    expect(compressed.length).toBeLessThanOrEqual(INLINE_INFLATE_FROM_UP_TO);
    expect(await decompress(new DeflateCodec(RESET, settings, 1 << 20), compressed)).toEqual(data);
    // Still 1009 past maxPayload, there.
    expect((await failure(new DeflateCodec(RESET, settings, INLINE_INFLATE_UP_TO * 2), compressed)).closeCode).toBe(1009);
  });

  it('the idle sweep never frees a stream while a job uses it', async () => {
    // Found by bench:deflate: under load a job outlived two sweeps, and freeing its stream crashed the process.
    const codec = new DeflateCodec(RESET, settings, 1 << 20);
    const text = 'Hello '.repeat(10_000);
    const compressed = compress(codec, Buffer.from(text));
    const noise = randomBytes(INLINE_INFLATE_FROM_UP_TO + 1);
    const inflated = decompress(codec, syncFlushed(noise));
    // Two sweeps while both jobs are under way: neither stream may be freed.
    expect(DeflateCodec.sweep(codec)).toBe(false);
    expect(DeflateCodec.sweep(codec)).toBe(false);
    expect((await decompress(new DeflateCodec(KEEP, settings, 1 << 20), await compressed)).toString()).toBe(text);
    expect(await inflated).toEqual(noise);
    // Idle now: the first sweep only notes the recent use, the second frees.
    expect(DeflateCodec.sweep(codec)).toBe(false);
    expect(DeflateCodec.sweep(codec)).toBe(true);
    expect(codec.holdsStreams).toBe(false);
    codec.close();
  });

  it('data that is not DEFLATE fails with 1007', async () => {
    const codec = new DeflateCodec(KEEP, settings, 1 << 20);
    const error = await failure(codec, hex('ff ff ff ff'));
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error.closeCode).toBe(1007);
    // The connection fails; a later message still gets a fresh stream rather than a dead one.
    expect((await decompress(codec, hex('f2 48 cd c9 c9 07 00'))).toString()).toBe('Hello');
  });

  it('after close, jobs fail instead of touching freed streams', async () => {
    const codec = new DeflateCodec(KEEP, settings, 1 << 20);
    codec.close();
    await expect(compress(codec, Buffer.from('x'))).rejects.toThrow(/closed/);
    expect((await failure(codec, hex('f2 48 cd c9 c9 07 00'))).closeCode).toBe(1001);
  });
});

describe('inflation bombs: maxPayload applies to the inflated size, checked while inflating', () => {
  it('10 MB of zeros in ~10 KB is stopped at a 64 KiB limit with 1009', async () => {
    const bomb = syncFlushed(Buffer.alloc(10_000_000));
    expect(bomb.length).toBeLessThan(11_000);
    const codec = new DeflateCodec(KEEP, settings, 64 * 1024);
    const error = await failure(codec, bomb);
    expect(error.closeCode).toBe(1009);
    expect(error.message).toMatch(/65536 bytes once inflated/);
  });

  it('256 MiB of zeros in ~256 KB stops at a 1 MiB limit without making the rest', { timeout: 20_000 }, async () => {
    const bomb = syncFlushed(Buffer.alloc(256 * 1024 * 1024));
    const codec = new DeflateCodec(KEEP, settings, 1024 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    const error = await failure(codec, bomb);
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(error.closeCode).toBe(1009);
    expect(grown).toBeLessThan(32 * 1024 * 1024);
  });

  it('exactly the limit inflates; one byte more does not (on the thread pool, and inline without context takeover)', async () => {
    const data = Buffer.alloc(50_000, 'a');
    for (const plan of [KEEP, RESET]) {
      expect((await decompress(new DeflateCodec(plan, settings, 50_000), syncFlushed(data))).length).toBe(50_000);
      const error = await failure(new DeflateCodec(plan, settings, 49_999), syncFlushed(data));
      expect(error.closeCode).toBe(1009);
      expect(error.message).toMatch(/49999 bytes once inflated/);
    }
  });

  it('without context takeover, 16 MB of zeros in under 16 KiB (inflated inline) stops at a 1 MiB limit with 1009', async () => {
    const bomb = syncFlushed(Buffer.alloc(16_000_000));
    expect(bomb.length).toBeLessThanOrEqual(INLINE_INFLATE_FROM_UP_TO);
    const error = await failure(new DeflateCodec(RESET, settings, 1024 * 1024), bomb);
    expect(error.closeCode).toBe(1009);
  });

  it('without context takeover, a message with maxPayload 0 inflates only to nothing', async () => {
    const codec = new DeflateCodec(RESET, settings, 0);
    expect((await decompress(codec, syncFlushed(Buffer.alloc(0)))).length).toBe(0);
    expect((await failure(codec, syncFlushed(Buffer.from('x')))).closeCode).toBe(1009);
  });
});

describe('ZlibLimiter', () => {
  it('runs at most `concurrency` jobs at once, the rest in order as slots free', () => {
    const limiter = new ZlibLimiter(2);
    const started: number[] = [];
    const finishers: (() => void)[] = [];
    for (let i = 0; i < 5; i++) {
      limiter.run((done) => {
        started.push(i);
        finishers.push(done);
      });
    }
    expect(started).toEqual([0, 1]);
    expect(limiter.running).toBe(2);
    finishers[0]();
    finishers[0](); // a second call changes nothing
    expect(started).toEqual([0, 1, 2]);
    finishers[1]();
    finishers[2]();
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses a concurrency that is not a positive integer', () => {
    expect(() => new ZlibLimiter(0)).toThrow(RangeError);
    expect(() => new ZlibLimiter(1.5)).toThrow(RangeError);
  });
});

describe('resolveCompression', () => {
  it('off by default, defaults for true, and every limit checked', () => {
    expect(resolveCompression(undefined)).toBeUndefined();
    expect(resolveCompression(false)).toBeUndefined();
    expect(resolveCompression(true)).toMatchObject({ threshold: 1024, level: -1, memLevel: 8, negotiation: {} });
    expect(resolveCompression({ serverNoContextTakeover: true, threshold: 0 })).toMatchObject({ threshold: 0, negotiation: { serverNoContextTakeover: true } });
    expect(() => resolveCompression({ level: 10 })).toThrow(/level/);
    expect(() => resolveCompression({ memLevel: 0 })).toThrow(/memLevel/);
    expect(() => resolveCompression({ threshold: -1 })).toThrow(/threshold/);
    expect(() => resolveCompression({ clientMaxWindowBits: 7 })).toThrow(RangeError);
    expect(() => resolveCompression({ concurrency: 0 })).toThrow(/concurrency/);
  });
});
