import { createRequire } from 'node:module';
import {
  FrameParser,
  Opcode,
  applyMask,
  createMaskKeySource,
  encodeFrame,
} from '../src/protocol/websocket/index.js';
import { type Pair, compare, printTable } from './report.js';

// The protocol core side by side with ws's own framing classes, in one process:
// its Receiver (parser), Sender.frame (encoder) and buffer-util (masking).
// ws uses the optional native `bufferutil` add-on when installed; it is not
// installed here, and WS_NO_BUFFER_UTIL makes sure of it.
process.env.WS_NO_BUFFER_UTIL = '1';

type WsReceiver = import('node:stream').Writable;
type WsReceiverClass = new (options: { isServer: boolean; maxPayload: number }) => WsReceiver;
type WsSenderClass = { frame(data: Buffer, options: object): Buffer[] };
// ws's own files, by path: Bun answers `import 'ws'` with a built-in stand-in whose
// Receiver and Sender throw, so the comparison would not run there.
const require = createRequire(import.meta.url);
const wsLib = (file: string): unknown => require(require.resolve('ws/package.json').replace(/package\.json$/, `lib/${file}`));
const Receiver = wsLib('receiver.js') as WsReceiverClass;
const Sender = wsLib('sender.js') as WsSenderClass;
const wsBufferUtil = wsLib('buffer-util.js') as { unmask(buffer: Buffer, mask: Buffer): void };

const sizes: Array<[string, number, number]> = [
  ['32 B', 32, 2000],
  ['4 KiB', 4096, 200],
  ['1 MiB', 1024 * 1024, 1],
];
const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

function maskedFrame(size: number): Buffer {
  return Buffer.concat(encodeFrame(Buffer.alloc(size, 0x61), { opcode: Opcode.Binary, mask: key }));
}

function parsePair(label: string, size: number, batch: number): Pair {
  // Both parsers unmask in place; feeding the same bytes again only flips the
  // (binary) payload back and forth, which neither checks.
  const frame = maskedFrame(size);
  let received = 0;
  const ours = new FrameParser({ role: 'server', onEvent: () => received++ });
  const theirs = new Receiver({ isServer: true, maxPayload: 0 });
  theirs.on('message', () => received++);
  return {
    name: `parse ${label} masked frame`,
    batch,
    bytes: frame.length,
    ours: () => {
      for (let i = 0; i < batch; i++) ours.push(frame);
    },
    theirs: () => {
      for (let i = 0; i < batch; i++) theirs.write(frame);
    },
  };
}

function encodePair(label: string, size: number, batch: number, masked: boolean): Pair {
  const payload = Buffer.alloc(size, 0x61);
  const ourOptions = { opcode: Opcode.Binary, mask: masked ? createMaskKeySource() : undefined };
  // readOnly: ws copies rather than masking the caller's buffer, as ours does.
  const options = { fin: true, opcode: 2, mask: masked, readOnly: true, rsv1: false };
  let sink = 0;
  return {
    name: `encode ${label} ${masked ? 'masked (client)' : 'unmasked (server)'} frame`,
    batch,
    bytes: size,
    ours: () => {
      for (let i = 0; i < batch; i++) sink += encodeFrame(payload, ourOptions).length;
    },
    theirs: () => {
      for (let i = 0; i < batch; i++) sink += Sender.frame(payload, options).length;
    },
  };
}

export async function runFrameBenchmarks(): Promise<void> {
  const pairs: Pair[] = [];
  for (const [label, size, batch] of sizes) pairs.push(parsePair(label, size, batch));
  for (const [label, size, batch] of sizes) pairs.push(encodePair(label, size, batch, true));
  for (const [label, size, batch] of sizes) pairs.push(encodePair(label, size, batch, false));
  const block = Buffer.alloc(1024 * 1024, 0x61);
  pairs.push({
    name: 'unmask 1 MiB in place',
    batch: 1,
    bytes: block.length,
    ours: () => applyMask(block, key),
    theirs: () => wsBufferUtil.unmask(block, key),
  });
  const rows = await compare(pairs, 'ws');
  printTable('WebSocket framing: protocol core vs ws (Receiver, Sender.frame, buffer-util)', 'ws', rows);
}
