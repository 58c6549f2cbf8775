// A load process of `npm run bench:scale`: holds a share of the connections (raw
// node:net sockets, spread over loopback source addresses), WebSockets subscribed to one
// channel over switchboard.v1, or SSE streams on it. Answers every heartbeat ping with a
// pong and counts the pings' arrival times into bins; once armed, records when the
// broadcast reached each connection. Times are ms since `origin`, a reading of
// process.hrtime (CLOCK_MONOTONIC on Linux, one clock for every process of the machine),
// so the times of all load processes and the server's publish compare directly.
import { connect, type Socket } from 'node:net';
import { Opcode, encodeFrame } from '../src/protocol/websocket/index.js';
import { type RawConnection, openRawConnection } from './raw-client.js';
import { ServerFrameReader, TimeBins, pongFrame } from './scale-frames.js';
import { reportErrors } from './scale-procs.js';

export type LoadKind = 'ws' | 'sse';

export interface OpenCommand {
  type: 'open';
  kind: LoadKind;
  port: number;
  count: number;
  addresses: string[];
  channel: string;
  /** process.hrtime.bigint() of the common start, as a string. */
  origin: string;
  /** Handshakes in flight at once. */
  concurrency: number;
}

export type LoadCommand = OpenCommand | { type: 'pings-reset' } | { type: 'pings' } | { type: 'arm' } | { type: 'deliveries' } | { type: 'close' } | { type: 'stop' };

export type LoadReply =
  | { type: 'opened'; count: number; startedAt: number; handshakesAt: number; subscribedAt: number }
  | { type: 'progress'; open: number }
  | { type: 'pings'; binMs: number; counts: number[]; total: number; lost: number }
  | { type: 'armed' }
  | { type: 'deliveries'; times: number[]; open: number }
  | { type: 'closed' }
  | { type: 'error'; message: string };

reportErrors();
const send = (message: LoadReply): void => {
  process.send?.(message);
};

/** The marker byte of the broadcast's payload: never in framing, JSON keys or SSE comments. */
export const MARK = 0x7e;
const MASK = Buffer.from([0x12, 0x34, 0x56, 0x78]);
const readBuffer = Buffer.allocUnsafe(64 * 1024);

let origin = process.hrtime.bigint();
const now = (): number => Number(process.hrtime.bigint() - origin) / 1e6;

interface Held {
  socket: Socket;
  delivered: boolean;
}

const held: Held[] = [];
let pings = new TimeBins(50);
let armed = false;
let deliveries: number[] = [];
let lost = 0;
let closing = false;

const onClose = (): void => {
  if (!closing) lost++;
};

/** A WebSocket, subscribed: resolves on the server's `subscribed`. */
async function openWebSocket(command: OpenCommand, address: string, onHandshake: () => void): Promise<Held> {
  const connection: RawConnection = await openRawConnection(command.port, { localAddress: address, timeout: 60_000, path: '/ws', protocol: 'switchboard.v1' });
  onHandshake();
  connection.socket.on('error', () => {});
  const entry: Held = { socket: connection.socket, delivered: false };
  const reader = new ServerFrameReader();
  let texts = 0;
  let subscribed: () => void = () => {};
  const done = new Promise<void>((resolve) => (subscribed = resolve));
  const sink = {
    ping: (payload: Uint8Array) => {
      pings.add(now());
      entry.socket.write(pongFrame(payload));
    },
    frame: (opcode: number) => {
      if (opcode === Opcode.Text && texts++ === 0) subscribed();
      else if (opcode === Opcode.Text && armed && !entry.delivered) {
        entry.delivered = true;
        deliveries.push(now());
      }
    },
  };
  connection.onData = (chunk) => reader.read(chunk, sink);
  connection.socket.on('close', onClose);
  connection.socket.write(Buffer.concat(encodeFrame(Buffer.from(JSON.stringify({ type: 'subscribe', channel: command.channel })), { opcode: Opcode.Text, mask: MASK })));
  await done;
  return entry;
}

/** An SSE stream: resolves on the 200's head. */
function openSse(command: OpenCommand, address: string, onHandshake: () => void): Promise<Held> {
  return new Promise((resolve, reject) => {
    let head: Buffer | undefined = Buffer.alloc(0);
    const entry: Held = { socket: undefined as unknown as Socket, delivered: false };
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const onBody = (chunk: Uint8Array): void => {
      if (armed && !entry.delivered && chunk.includes(MARK)) {
        entry.delivered = true;
        deliveries.push(now());
      }
    };
    const socket = connect({
      port: command.port,
      host: '127.0.0.1',
      localAddress: address,
      onread: {
        buffer: readBuffer,
        callback: (length, buffer) => {
          const chunk = buffer.subarray(0, length);
          if (head === undefined) {
            onBody(chunk);
            return true;
          }
          head = Buffer.concat([head, chunk]);
          const end = head.indexOf('\r\n\r\n');
          if (end === -1) return true;
          const status = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
          if (!status.startsWith('HTTP/1.1 200')) {
            fail(new Error(`SSE refused: ${status}`));
            return true;
          }
          const rest = head.subarray(end + 4);
          head = undefined;
          clearTimeout(timer);
          socket.off('error', fail);
          socket.on('error', () => {});
          socket.on('close', onClose);
          onHandshake();
          if (rest.length > 0) onBody(rest);
          resolve(entry);
          return true;
        },
      },
    });
    entry.socket = socket;
    const timer = setTimeout(() => fail(new Error('SSE response timed out')), 60_000);
    socket.on('error', fail);
    socket.on('connect', () => {
      socket.write(`GET /sse?channel=${encodeURIComponent(command.channel)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
    });
  });
}

async function open(command: OpenCommand): Promise<void> {
  origin = BigInt(command.origin);
  const startedAt = now();
  let handshakes = 0;
  let handshakesAt = 0;
  const onHandshake = (): void => {
    if (++handshakes === command.count) handshakesAt = now();
  };
  let next = 0;
  const progress = setInterval(() => send({ type: 'progress', open: held.length }), 1000);
  const worker = async (): Promise<void> => {
    while (next < command.count) {
      const index = next++;
      const address = command.addresses[index % command.addresses.length];
      const entry = command.kind === 'ws' ? await openWebSocket(command, address, onHandshake) : await openSse(command, address, onHandshake);
      entry.socket.on('error', () => {});
      held.push(entry);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(command.concurrency, command.count) }, worker));
  } finally {
    clearInterval(progress);
  }
  send({ type: 'opened', count: held.length, startedAt, handshakesAt, subscribedAt: now() });
}

process.on('message', (command: LoadCommand) => {
  switch (command.type) {
    case 'open':
      void open(command).catch((error: Error) => send({ type: 'error', message: error.message }));
      return;
    case 'pings-reset':
      pings = new TimeBins(50);
      lost = 0;
      return;
    case 'pings':
      send({ type: 'pings', binMs: pings.binMs, counts: pings.counts, total: pings.total, lost });
      return;
    case 'arm':
      armed = true;
      deliveries = [];
      for (const entry of held) entry.delivered = false;
      send({ type: 'armed' });
      return;
    case 'deliveries':
      send({ type: 'deliveries', times: deliveries, open: held.length - lost });
      return;
    case 'close':
      closing = true;
      for (const entry of held) entry.socket.destroy();
      held.length = 0;
      send({ type: 'closed' });
      return;
    case 'stop':
      process.exit(0);
  }
});
