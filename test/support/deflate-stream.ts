import { type DeflateRaw, type InflateRaw, constants, createDeflateRaw, createInflateRaw } from 'node:zlib';

/**
 * permessage-deflate for a test peer, written straight from RFC 7692 §7.2 on
 * node:zlib, independent of the code under test: compress with a sync flush
 * and drop the trailing 00 00 ff ff; inflate with it put back. A side without
 * context takeover gets a fresh stream for every message.
 */
export class TestDeflater {
  private stream: DeflateRaw | undefined;

  constructor(private readonly options: { windowBits?: number; noContextTakeover?: boolean } = {}) {}

  async compress(data: Buffer): Promise<Buffer> {
    if (this.options.noContextTakeover) this.close();
    // zlib turns a raw window of 8 into 9 and then keeps distances within 250 bytes: fine for 8 (§7.1.2).
    const stream = (this.stream ??= createDeflateRaw({ windowBits: this.options.windowBits ?? 15 }));
    const out = await run(stream, [data]);
    if (!out.subarray(-4).equals(TAIL)) throw new Error('sync flush without 00 00 ff ff');
    return out.subarray(0, -4);
  }

  close(): void {
    this.stream?.close();
    this.stream = undefined;
  }
}

export class TestInflater {
  private stream: InflateRaw | undefined;

  constructor(private readonly options: { windowBits?: number; noContextTakeover?: boolean } = {}) {}

  async inflate(data: Buffer): Promise<Buffer> {
    if (this.options.noContextTakeover) this.close();
    const stream = (this.stream ??= createInflateRaw({ windowBits: this.options.windowBits ?? 15 }));
    return run(stream, [data, TAIL]);
  }

  close(): void {
    this.stream?.close();
    this.stream = undefined;
  }
}

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

function run(stream: DeflateRaw | InflateRaw, inputs: Buffer[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => void chunks.push(chunk);
    const onError = (error: Error): void => {
      stream.off('data', onData);
      reject(error);
    };
    stream.on('data', onData);
    stream.once('error', onError);
    for (const input of inputs) stream.write(input);
    stream.flush(constants.Z_SYNC_FLUSH, () => {
      stream.off('data', onData);
      stream.off('error', onError);
      resolve(Buffer.concat(chunks));
    });
  });
}
