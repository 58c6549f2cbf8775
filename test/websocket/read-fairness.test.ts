// The per-turn frame budget (framesPerTurn), driven through a stand-in socket so that the
// test decides exactly when bytes arrive: what is left of a read waits for a later turn of
// the event loop, in order, behind which any read that arrives meanwhile queues up.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { clientFrame } from '../support/raw-frame.js';
import { attach } from '../../src/websocket/adapter-operations.js';
import { resolveSettings } from '../../src/websocket/connection-settings.js';
import { WebSocketConnection } from '../../src/websocket/index.js';

/** Just enough of a net.Socket for the adapter; `pause` is recorded, and bytes can still be pushed. */
class StandInSocket extends EventEmitter {
  writableLength = 0;
  writableHighWaterMark = 16 * 1024;
  destroyed = false;
  bytesWritten = 0;
  paused = false;
  pauses = 0;
  setNoDelay(): void {}
  setTimeout(): void {}
  unshift(): void {}
  cork(): void {}
  uncork(): void {}
  pause(): void {
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    this.paused = false;
  }
  write(chunk: Uint8Array, callback?: () => void): boolean {
    this.bytesWritten += chunk.length;
    callback?.();
    return true;
  }
  end(): void {}
  destroy(): void {
    this.destroyed = true;
  }
}

function connectionOn(socket: StandInSocket, framesPerTurn: number): WebSocketConnection {
  const connection = new WebSocketConnection();
  const settings = resolveSettings('server', { framesPerTurn });
  connection[attach](socket as never, Buffer.alloc(0), settings);
  return connection;
}

const numbered = (from: number, count: number): Buffer =>
  Buffer.concat(Array.from({ length: count }, (_, i) => clientFrame({ opcode: 0x1, payload: String(from + i) })));
/**
 * The library's next turn: until `count` changes, or 50 ms. A turn ends on an immediate,
 * on Deno sometimes on a timer after it (read-turns.ts); checked on every immediate, a
 * change is seen right after the turn that made it.
 */
async function nextTurn(count: () => number): Promise<void> {
  const before = count();
  const until = Date.now() + 50;
  while (count() === before && Date.now() < until) await new Promise((resolve) => setImmediate(resolve));
}

describe('framesPerTurn: the work done for one peer per turn of the event loop', () => {
  it('reads at most framesPerTurn frames per turn, pauses the socket, and reads the rest on later turns in order', async () => {
    const socket = new StandInSocket();
    const connection = connectionOn(socket, 10);
    const got: number[] = [];
    connection.on('message', (data: Buffer) => got.push(Number(data.toString())));
    socket.emit('data', numbered(0, 25));
    expect(got).toEqual([...Array(10).keys()]);
    expect(socket.paused).toBe(true);
    await nextTurn(() => got.length);
    expect(got.length).toBe(20);
    await nextTurn(() => got.length);
    expect(got).toEqual([...Array(25).keys()]);
    expect(socket.paused).toBe(false);
  });

  it('a read that arrives while bytes wait goes behind them: nothing lost, nothing out of order', async () => {
    const socket = new StandInSocket();
    const connection = connectionOn(socket, 10);
    const got: number[] = [];
    connection.on('message', (data: Buffer) => got.push(Number(data.toString())));
    socket.emit('data', numbered(0, 15));
    // The application pauses and resumes meanwhile (as the echo handler does on 'queued' and
    // 'drain'), and more bytes arrive before the waiting ones were read.
    connection.pause();
    connection.resume();
    expect(socket.paused).toBe(true);
    socket.emit('data', numbered(15, 15));
    socket.emit('data', numbered(30, 3));
    expect(got.length).toBe(10);
    for (let turn = 0; turn < 5 && got.length < 33; turn++) await nextTurn(() => got.length);
    expect(got).toEqual([...Array(33).keys()]);
  });

  it('bytes left for a later turn wait while the application keeps reading paused, and come first once it resumes', async () => {
    const socket = new StandInSocket();
    const connection = connectionOn(socket, 5);
    const got: number[] = [];
    connection.on('message', (data: Buffer) => got.push(Number(data.toString())));
    socket.emit('data', numbered(0, 8));
    connection.pause();
    await nextTurn(() => got.length);
    await nextTurn(() => got.length);
    expect(got.length).toBe(5);
    connection.resume();
    for (let turn = 0; turn < 3 && got.length < 8; turn++) await nextTurn(() => got.length);
    expect(got).toEqual([...Array(8).keys()]);
  });
});
