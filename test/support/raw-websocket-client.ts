import { type Socket, connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ParserEvent, type Role, computeAccept, generateKey } from '../../src/protocol/websocket/index.js';
import { FrameRecorder } from './frame-recorder.js';

/**
 * One end of a WebSocket connection made of a bare TCP socket, for conformance
 * tests in the manner of the Autobahn|Testsuite. `connectRawClient`
 * performs a client's opening handshake by hand; afterwards the peer writes
 * exactly the bytes a test gives it (frames from `raw-frame.ts`, broken ones
 * included) and records exactly the bytes the other end sends back. Those bytes
 * are also parsed, by the project's `FrameParser` in this peer's role (a client
 * reads unmasked server frames, a server masked client frames, §5.3), so tests
 * can wait for and inspect messages, pings, pongs and the close frame.
 */
export class RawWebSocketPeer extends FrameRecorder {
  /** Resolves once the TCP connection is gone, whoever closed it. */
  readonly closed: Promise<void>;

  private waiters: (() => void)[] = [];
  private isClosed = false;

  /** Wraps a socket whose handshake is done; call `start` with the bytes read past the handshake. */
  constructor(
    /** A TCP socket, or an HTTP/2 stream (raw-http2-client.ts). */
    private readonly socket: Duplex,
    role: Role,
    allowedRsv = 0,
    /** The other end's handshake head (status line and headers), when this peer is the client. */
    readonly handshakeHead = '',
  ) {
    super(role, allowedRsv);
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.isClosed = true;
        this.notify();
        resolve();
      });
    });
    // The other end may reset the connection while we still write: that is what `closed` reports.
    socket.on('error', () => {});
  }

  /** Starts reading frames: first `rest`, the bytes that came with the handshake, then the socket's. */
  start(rest: Buffer): void {
    if (rest.length > 0) this.receive(rest);
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.resume();
  }

  /** True once the TCP connection is gone. */
  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Writes bytes as they are, in one write. */
  send(...frames: Buffer[]): void {
    if (!this.socket.destroyed) this.socket.write(frames.length === 1 ? frames[0] : Buffer.concat(frames));
  }

  /**
   * Writes bytes in writes of `size` bytes, each after the previous one left
   * ("chop-wise" and "octet-wise" in Autobahn's terms), so the other end reads
   * frames split at every possible point.
   */
  async sendInChops(bytes: Buffer, size: number): Promise<void> {
    for (let at = 0; at < bytes.length; at += size) {
      if (this.socket.destroyed) return;
      // A server that fails the connection midway closes it: stop writing then.
      await Promise.race([new Promise<void>((resolve) => this.socket.write(bytes.subarray(at, at + size), () => resolve())), this.closed]);
    }
  }

  /** Resolves when `condition` holds, or rejects after `timeout` ms with what was received so far. */
  async until(condition: () => boolean, timeout = 5000): Promise<void> {
    if (condition()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== check);
        reject(new Error(`Timed out; events so far: ${describeEvents(this.events)}`));
      }, timeout);
      const check = (): void => {
        if (!condition()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((waiter) => waiter !== check);
        resolve();
      };
      this.waiters.push(check);
    });
  }

  /** Waits for `count` events in all. */
  untilEvents(count: number, timeout?: number): Promise<void> {
    return this.until(() => this.events.length >= count, timeout);
  }

  /** Waits for the TCP connection to close (a server closes it first, §7.1.1). */
  async untilClosed(timeout = 5000): Promise<void> {
    await this.until(() => this.isClosed, timeout);
  }

  /** Sends nothing more and closes our side of the TCP connection. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  protected override onFrame(): void {
    this.notify();
  }

  private receive(chunk: Buffer): void {
    this.record(chunk);
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Connects to `127.0.0.1:port` and completes the opening handshake (RFC 6455 §4.1). */
export async function connectRawClient(
  port: number,
  options: {
    path?: string;
    headers?: Record<string, string>;
    /** Frames to write in the same write as the request, before any answer. */
    early?: Buffer;
    /** RSV bits the server's frames may carry (4 once permessage-deflate is agreed). */
    allowedRsv?: number;
  } = {},
): Promise<RawWebSocketPeer> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  const key = generateKey();
  const extra = Object.entries(options.headers ?? {}).map(([name, value]) => `${name}: ${value}\r\n`);
  const request =
    `GET ${options.path ?? '/'} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra.join('')}\r\n`;
  socket.write(Buffer.concat([Buffer.from(request, 'latin1'), options.early ?? Buffer.alloc(0)]));
  const { head, rest } = await readHead(socket);
  const [statusLine, ...headerLines] = head.split('\r\n');
  if (!/^HTTP\/1\.1 101 /.test(statusLine)) {
    socket.destroy();
    throw new Error(`Handshake refused: ${statusLine}`);
  }
  const accept = headerLines.find((line) => /^sec-websocket-accept:/i.test(line))?.split(':')[1]?.trim();
  if (accept !== computeAccept(key)) {
    socket.destroy();
    throw new Error('Sec-WebSocket-Accept does not match the key sent');
  }
  const client = new RawWebSocketPeer(socket, 'client', options.allowedRsv, head);
  client.start(rest);
  return client;
}

/** Reads an HTTP head up to the blank line; returns it and the bytes after it. */
export function readHead(socket: Socket): Promise<{ head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      cleanUp();
      resolve({ head: buffered.subarray(0, end).toString('latin1'), rest: buffered.subarray(end + 4) });
    };
    const onEnd = (): void => {
      cleanUp();
      reject(new Error(`Connection closed before the end of the HTTP head: ${JSON.stringify(buffered.toString('latin1'))}`));
    };
    const onError = (error: Error): void => {
      cleanUp();
      reject(error);
    };
    const cleanUp = (): void => {
      // Hold later bytes in the socket until the caller listens for them.
      socket.pause();
      socket.off('data', onData);
      socket.off('close', onEnd);
      socket.off('error', onError);
    };
    socket.on('data', onData);
    socket.on('close', onEnd);
    socket.on('error', onError);
  });
}

function describeEvents(events: ParserEvent[]): string {
  return (
    events
      .map((event) =>
        event.type === 'close'
          ? `close ${event.code} ${JSON.stringify(event.reason)}`
          : `${event.type} (${event.data.length} B)`,
      )
      .join(', ') || 'none'
  );
}
