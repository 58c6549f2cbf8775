import {
  DEFAULT_MAX_FRAGMENTS,
  DEFAULT_MAX_PAYLOAD,
  type EndpointEvent,
  Opcode,
  type ParserEvent,
  type ProtocolError,
  WebSocketProtocol,
} from '../../src/protocol/websocket/index.js';
import { FrameRecorder } from './frame-recorder.js';

/**
 * What the conformance suite needs of a raw client talking to our server: write
 * exact bytes, read back exact bytes, and know when the transport closed.
 * `RawWebSocketPeer` (over TCP) and `SansIoServerPeer` (no I/O at all) both fit.
 */
export interface WebSocketTestPeer {
  /** The server's frames, parsed as a client reads them. */
  readonly events: ParserEvent[];
  /** Set when the server's frames broke the protocol (they never should). */
  readonly parseError: ProtocolError | undefined;
  /** Every byte the server sent, in one buffer. */
  readonly received: Buffer;
  readonly closeFrame: { code: number; reason: string } | undefined;
  readonly messages: { binary: boolean; data: Buffer }[];
  send(...frames: Buffer[]): void;
  sendInChops(bytes: Buffer, size: number): Promise<void>;
  until(condition: () => boolean, timeout?: number): Promise<void>;
  untilClosed(timeout?: number): Promise<void>;
}

/**
 * Our echo server with no socket: a server-role `WebSocketProtocol` driven byte
 * in, byte out, the way `socket-connection.ts` drives it over TCP, with the
 * conformance suite's echo application (a message goes back with its type).
 *
 * The carrier's rules are kept: after each read, everything the endpoint
 * produced is taken (`takeOutgoing`) and "written" to `received`; once
 * `closeTransport` is true the transport counts as closed, and later bytes from
 * the client are not read, as a closed TCP connection would not deliver them.
 * As the adapter does, the endpoint is let go whenever it is at rest and a new
 * one made when bytes next arrive, so every case also checks that dropping an
 * idle endpoint loses nothing.
 *
 * Everything happens synchronously inside `send`: nothing can arrive later, so
 * `until` fails at once when its condition does not hold yet.
 */
export class SansIoServerPeer extends FrameRecorder implements WebSocketTestPeer {
  /** Endpoints made over the connection's life (more than one: some were dropped at rest). */
  endpointsMade = 0;

  private readonly maxPayload: number;
  private readonly maxFragments: number;
  private endpoint: WebSocketProtocol<SansIoServerPeer> | undefined;
  private closed = false;

  constructor(limits: { maxPayload?: number; maxFragments?: number } = {}) {
    super('client');
    this.maxPayload = limits.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    this.maxFragments = limits.maxFragments ?? DEFAULT_MAX_FRAGMENTS;
  }

  /** True until the endpoint said to close the transport. */
  get isOpen(): boolean {
    return !this.closed;
  }

  /** The bytes arrive as one read. */
  send(...frames: Buffer[]): void {
    // A copy: the endpoint unmasks in place, and a case may send the same frames twice.
    this.read(Buffer.concat(frames));
  }

  /** The bytes arrive in reads of `size` bytes, so the endpoint sees frames split at every point. */
  async sendInChops(bytes: Buffer, size: number): Promise<void> {
    for (let at = 0; at < bytes.length && !this.closed; at += size) this.read(Buffer.from(bytes.subarray(at, at + size)));
  }

  async until(condition: () => boolean): Promise<void> {
    if (condition()) return;
    const events = this.events.map((event) => event.type).join(', ') || 'none';
    throw new Error(`Not so, and nothing more will arrive; events so far: ${events}`);
  }

  untilClosed(): Promise<void> {
    return this.until(() => this.closed);
  }

  private read(chunk: Buffer): void {
    if (this.closed) return;
    const endpoint = this.endpointNow();
    endpoint.receive(chunk);
    // The carrier's part, as in socket-connection.ts: write what was produced, close the
    // transport if told to, and let an endpoint that holds nothing go.
    const outgoing = endpoint.takeOutgoing();
    if (outgoing) {
      for (const frame of outgoing.chunks) this.write(Buffer.from(frame));
      outgoing.settle(null);
    }
    if (endpoint.closeTransport) this.closed = true;
    else if (endpoint.atRest) this.endpoint = undefined;
  }

  private endpointNow(): WebSocketProtocol<SansIoServerPeer> {
    if (this.endpoint) return this.endpoint;
    this.endpointsMade++;
    return (this.endpoint = new WebSocketProtocol<SansIoServerPeer>(
      { role: 'server', maxPayload: this.maxPayload, maxFragments: this.maxFragments, mask: undefined },
      echo,
      this,
    ));
  }

  /** What the client side of the wire reads: recorded as it is, and parsed. */
  private write(bytes: Buffer): void {
    this.record(bytes);
  }

  /** The echo application: each message goes back with its type. */
  onEvent(event: EndpointEvent): void {
    if (event.type === 'message') this.endpoint!.send(event.data, event.binary ? Opcode.Binary : Opcode.Text);
  }
}

function echo(this: SansIoServerPeer, event: EndpointEvent): void {
  this.onEvent(event);
}
