// Raw TCP peers for server tests: they speak HTTP and RFC 6455 byte by byte,
// sharing none of the connection code under test, so they can misbehave on purpose
// (stall, stop reading, vanish mid-frame, never answer pings).
import { type AddressInfo, type Socket, connect } from 'node:net';
import { FrameParser, type ParserEvent, ProtocolError } from '../../src/protocol/websocket/index.js';
import { WebSocket, type WebSocketClientOptions, type WebSocketServer } from '../../src/websocket/index.js';

/** The §1.3 example key; its accept value is s3pPLMBiTxaQ9kYGzzhZRbK+xOo=. */
export const SAMPLE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

export function portOf(server: WebSocketServer): number {
  return (server.address() as AddressInfo).port;
}

export interface UpgradeRequestParts {
  method?: string;
  path?: string;
  version?: string;
  /** Replaces or adds headers; `null` leaves one out. */
  headers?: Record<string, string | null>;
}

/** A textbook opening handshake request (§1.3), with the given changes. */
export function upgradeRequest(parts: UpgradeRequestParts = {}): string {
  const headers: Record<string, string | null> = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': SAMPLE_KEY,
    'Sec-WebSocket-Version': '13',
    ...parts.headers,
  };
  let text = `${parts.method ?? 'GET'} ${parts.path ?? '/'} HTTP/${parts.version ?? '1.1'}\r\n`;
  for (const [name, value] of Object.entries(headers)) if (value !== null) text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}

export interface RawResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from the connection to the server closing it. */
  elapsed: number;
}

/** Splits an HTTP response head from its body. */
export function parseResponse(text: string): Omit<RawResponse, 'elapsed'> {
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(statusLine)?.[1] ?? 0);
  return { status, headers, body: end === -1 ? '' : text.slice(end + 4) };
}

/**
 * Writes `request` on a fresh TCP connection and reads until the server closes
 * it. Fails if the server keeps the connection open longer than `timeoutMs`.
 */
export function rawExchange(port: number, request: string | Buffer, timeoutMs = 3000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`server kept the connection open for ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after the answer (the server destroying the socket) still counts as closed.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ ...parseResponse(Buffer.concat(chunks).toString('latin1')), elapsed: Date.now() - started });
    });
    socket.write(request);
  });
}

/** Collects what the server sends after the 101, parsed by the protocol core as a client would. */
export class FrameLog {
  readonly events: ParserEvent[] = [];
  error: ProtocolError | undefined;
  bytes = 0;
  private readonly parser: FrameParser;

  constructor(maxPayload?: number) {
    this.parser = new FrameParser({ role: 'client', maxPayload, onEvent: (event) => this.events.push(event) });
  }

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.error) return;
    try {
      this.parser.push(chunk);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.error = error;
    }
  }

  of<T extends ParserEvent['type']>(type: T): Extract<ParserEvent, { type: T }>[] {
    return this.events.filter((event): event is Extract<ParserEvent, { type: T }> => event.type === type);
  }
}

export interface RawPeer {
  socket: Socket;
  frames: FrameLog;
  /** True once the server closed the TCP connection (or it was destroyed). */
  closed: boolean;
  /** Milliseconds since the 101 arrived, when the connection closed. */
  closedAfter: number | undefined;
}

/**
 * Opens a WebSocket connection by hand and returns the raw socket, already
 * reading frames into `frames` (pause the socket to stop reading).
 */
export async function rawHandshake(port: number, path = '/', timeoutMs = 3000): Promise<RawPeer> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(upgradeRequest({ path }));
  let buffered = Buffer.alloc(0);
  const head = await new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no 101 in time')), timeoutMs);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      clearTimeout(timer);
      socket.off('data', onData);
      const response = parseResponse(buffered.subarray(0, end + 4).toString('latin1'));
      if (response.status !== 101) reject(new Error(`expected 101, got ${response.status}`));
      resolve(buffered.subarray(end + 4));
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed during the handshake')));
  });
  const opened = Date.now();
  const peer: RawPeer = { socket, frames: new FrameLog(), closed: false, closedAfter: undefined };
  if (head.length > 0) peer.frames.push(head);
  socket.on('data', (chunk: Buffer) => peer.frames.push(chunk));
  socket.on('close', () => {
    peer.closed = true;
    peer.closedAfter = Date.now() - opened;
  });
  return peer;
}

/** Polls `check` until it is true; fails with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the open client, or rejects with its handshake error. */
export function openClient(url: string, protocols?: string | string[], options?: WebSocketClientOptions): Promise<WebSocket> {
  const client = new WebSocket(url, protocols, options);
  return new Promise((resolve, reject) => {
    client.once('open', () => resolve(client));
    client.once('error', reject);
  });
}

/** The error and close event of a client whose handshake is expected to fail. */
export async function refusedClient(
  url: string,
  protocols?: string | string[],
  options?: WebSocketClientOptions,
): Promise<{ error: Error; code: number }> {
  const client = new WebSocket(url, protocols, options);
  let error: Error | undefined;
  client.on('error', (caught: Error) => (error = caught));
  client.on('open', () => client.terminate());
  // Not `events.once`, which would reject on the 'error' this waits past.
  const code = await new Promise<number>((resolve) => client.once('close', resolve));
  if (!error) throw new Error(`expected the handshake to fail, but it closed with ${code}`);
  return { error, code };
}

/** Closes a server and waits, forcefully closing clients that do not answer. */
export async function closeServer(server: WebSocketServer): Promise<void> {
  for (const client of server.clients) client.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
