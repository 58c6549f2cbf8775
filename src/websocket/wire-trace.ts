// Wire traces of WebSocket connections (src/trace): which upgrades a server traces,
// a client's own trace, and tracing a connection already open.
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ConnectionTrace, type TraceOption, decideTrace, rebuildHead, tapReads, tapSocket, tapWrites } from '../trace/index.js';
import { settingsOf, socketOf } from './adapter-operations.js';
import type { SocketAdapter } from './socket-adapter.js';

export type { TraceOption };

/** By socket, so that a connection carries no field for tracing. */
const traces = new WeakMap<Duplex, ConnectionTrace>();

/** The trace of a connection, if it is traced. */
export function traceOf(connection: SocketAdapter): ConnectionTrace | undefined {
  const socket = connection[socketOf];
  return socket && traces.get(socket);
}

/**
 * Traces an open connection from now on (its handshake is past: both
 * directions are frames). Returns the trace, the same one if already traced.
 */
export function traceConnection(connection: SocketAdapter, label?: string): ConnectionTrace {
  const socket = connection[socketOf];
  if (!socket) throw new Error('traceConnection needs an open connection');
  const existing = traces.get(socket);
  if (existing) return existing;
  const trace = new ConnectionTrace({ transport: 'websocket', label });
  tapSocket(socket, trace, connection[settingsOf]?.role === 'client' ? 'client' : 'server');
  traces.set(socket, trace);
  return trace;
}

/** @internal A server's upgrade about to be answered with `101`: traced if `option` says so. */
export function traceUpgrade(option: TraceOption, request: IncomingMessage, socket: Socket): void {
  const decided = decideTrace(option, request);
  if (!decided) return;
  const label = decided.label;
  // The request head was read by node:http; the response head goes out through the tap, exactly.
  const trace = new ConnectionTrace({ transport: 'websocket', label, headFirst: { server: true } });
  trace.head('client', rebuildHead(`${request.method} ${request.url} HTTP/${request.httpVersion}`, request.rawHeaders), false);
  tapSocket(socket, trace, 'server');
  traces.set(socket, trace);
}

/** @internal A client's handshake request, traced from its first byte. */
export function traceClientRequest(request: ClientRequest, label: string | undefined): void {
  const trace = new ConnectionTrace({ transport: 'websocket', label, headFirst: { client: true } });
  request.once('socket', (socket: Socket) => {
    traces.set(socket, trace);
    tapWrites(socket, trace, 'client');
  });
  // Put first, so the response head is recorded before what the 'open' listeners send.
  request.prependOnceListener('upgrade', (response: IncomingMessage, socket: Socket) => {
    trace.head('server', responseHead(response), false);
    tapReads(socket, trace, 'server');
  });
  request.prependOnceListener('response', (response: IncomingMessage) => trace.head('server', responseHead(response), false));
}

function responseHead(response: IncomingMessage): string {
  return rebuildHead(`HTTP/${response.httpVersion} ${response.statusCode} ${response.statusMessage}`, response.rawHeaders);
}
