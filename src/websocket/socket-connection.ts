import { Opcode, type SendOpcode, type WriteCallback } from '../protocol/websocket/index.js';
import { type SendData, toBytes } from './send-data.js';
import { CONNECTING, type SendResult } from './ready-state.js';
import { enqueue, enqueueFrame, pauseReading, resumeReading, startClose, terminateSocket } from './adapter-operations.js';
import { SocketAdapter } from './socket-adapter.js';

/**
 * The Node-style face of a connection, as `ws` has it: `send`, `ping`, `pong`,
 * `close`, `terminate`, `pause`, `resume`, and the events of `SocketAdapter`
 * ('message' (data, isBinary), 'ping', 'pong', 'drain', 'close' (code, reason,
 * wasClean), 'error'). Every call goes to the adapter, which holds the socket
 * and the sans-I/O endpoint.
 */
export class SocketConnection extends SocketAdapter {
  /**
   * Sends a message: text for a string, binary for bytes (unless `binary:
   * false`). Returns what happened to it; `callback` runs once it is written.
   * Under permessage-deflate, `compress: false` sends this one uncompressed.
   */
  send(data: SendData, options?: { binary?: boolean; compress?: boolean } | WriteCallback, callback?: WriteCallback): SendResult {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    this.assertStarted();
    const binary = options?.binary ?? typeof data !== 'string';
    return this[enqueue](toBytes(data), binary ? Opcode.Binary : Opcode.Text, callback, options?.compress !== false);
  }

  /** Sends a ping (§5.5.2); the peer answers with a pong carrying the same bytes. */
  ping(data: SendData = EMPTY, callback?: WriteCallback): SendResult {
    return this.sendControl(Opcode.Ping, data, callback);
  }

  /** Sends an unsolicited pong (§5.5.3), e.g. as a one-way heartbeat. */
  pong(data: SendData = EMPTY, callback?: WriteCallback): SendResult {
    return this.sendControl(Opcode.Pong, data, callback);
  }

  /**
   * Sends a frame encoded beforehand with `encodeSharedFrame`: the same bytes
   * can go to any number of server-side connections (a broadcast encodes once).
   * Subject to the same buffer limit and result as `send`. Server side only,
   * since a client's frames must each be masked with a fresh key.
   */
  sendFrame(frame: Uint8Array, callback?: WriteCallback): SendResult {
    return this[enqueueFrame](frame, callback);
  }

  /** Pauses reading from the peer (TCP pushes back on it) until `resume()`. */
  pause(): void {
    this[pauseReading]();
  }

  resume(): void {
    this[resumeReading]();
  }

  /**
   * Starts the closing handshake (§7.1.2). Without arguments the close frame
   * carries no code (the peer sees 1005). Throws for codes that may not be sent.
   */
  close(code?: number, reason?: string): void {
    this[startClose](code, reason);
  }

  /** Destroys the socket at once, with no closing handshake. */
  terminate(): void {
    this[terminateSocket]();
  }

  private sendControl(opcode: SendOpcode, data: SendData, callback?: WriteCallback): SendResult {
    this.assertStarted();
    const payload = toBytes(data);
    if (payload.length > 125) throw new RangeError('A control frame carries at most 125 bytes');
    return this[enqueue](payload, opcode, callback);
  }

  private assertStarted(): void {
    if (this.readyState === CONNECTING) {
      throw new DOMException('WebSocket is not open: readyState 0 (CONNECTING)', 'InvalidStateError');
    }
  }
}

const EMPTY = Buffer.alloc(0);
