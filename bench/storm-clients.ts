// The load side of `npm run bench:storm`: one process holding a share of the clients
// (ReconnectingWebSocket, or the universal client of src/client on its WebSocket
// transport with the project's WebSocket injected), each subscribed to one channel, spread over loopback
// source addresses so that ports do not run out. It records, per client, when its
// backoff scheduled each reconnection attempt and when an attempt failed; the storm
// itself is measured by the server. It also measures its own event-loop delay, the
// timer lag that would distort timings taken here.
// Driven over IPC by bench/reconnect-storm.ts: 'start' → 'connected' progress,
// 'mark' (just before the kill) → 'marked', 'report' → the records (and exit).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { connect, type SwitchboardClient, type Timers, type WebSocketConstructor } from '../src/client/index.js';
import type { JitterPolicy } from '../src/protocol/reconnect/backoff.js';
import { ReconnectEvent, ReconnectingCloseEvent, ReconnectingWebSocket } from '../src/reconnect/index.js';
import { WebSocket } from '../src/websocket/index.js';

export interface StormClientsStart {
  type: 'start';
  port: number;
  /** Client ids firstId … firstId + count − 1 (they go in the URL so the server can tell clients apart). */
  firstId: number;
  count: number;
  channels: number;
  jitter: JitterPolicy;
  addresses: string[];
  /** Clients opened per second while ramping up, so that the first connect is no storm. */
  rampPerSecond: number;
  /** Which client: ReconnectingWebSocket on a bare pub/sub server, or the universal client on the mount. */
  client: 'reconnecting' | 'universal';
  /** The universal client's `connectTimeout` (its default, 5 000 ms, unless given). */
  connectTimeout?: number;
}

export interface StormClientsReport {
  type: 'report';
  /** Epoch ms at which a backoff scheduled an attempt (close time + delay), after the mark. */
  planned: number[];
  /** Epoch ms of each failed attempt's close, after the mark (the kill's own close excluded). */
  failures: number[];
  /** Attempts (scheduled) per client after the mark; the last one is the successful one. */
  attemptsPerClient: number[];
  /** Clients open when the report was asked for. */
  open: number;
  /** Event-loop delay after the mark, ms. */
  loopDelayP99: number;
  loopDelayMax: number;
}

export type StormClientsMessage = { type: 'connected'; open: number } | { type: 'marked' } | StormClientsReport;
type Command = StormClientsStart | { type: 'mark' } | { type: 'report' };

const send = (message: StormClientsMessage): void => {
  process.send?.(message);
};

const clients: Array<ReconnectingWebSocket | SwitchboardClient> = [];
const planned: number[] = [];
const failures: number[] = [];
let attemptsPerClient: number[] = [];
let marked = false;
let everOpened = 0;
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

function start(command: StormClientsStart): void {
  attemptsPerClient = new Array<number>(command.count).fill(0);
  const perTick = Math.max(1, Math.round(command.rampPerSecond / 100));
  let next = 0;
  const ramp = setInterval(() => {
    for (let k = 0; k < perTick && next < command.count; k++, next++) open(command, next);
    if (next >= command.count) clearInterval(ramp);
  }, 10);
  const progress = setInterval(() => {
    send({ type: 'connected', open: everOpened });
    if (marked) clearInterval(progress);
  }, 250);
}

/**
 * Coarse timers for the universal clients: delays rounded up to 10 ms, so that Node
 * keeps few timer lists for 2,500 clients' backoff, connect and heartbeat timers.
 */
const coarse: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, Math.ceil(ms / 10) * 10),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

function openUniversal(command: StormClientsStart, index: number): void {
  const id = command.firstId + index;
  const localAddress = command.addresses[index % command.addresses.length];
  // The project's WebSocket, from this client's source address, with its id in the URL.
  const Socket = class extends WebSocket {
    constructor(url: string, protocols: string) {
      super(`${url}?c=${id}`, protocols, { localAddress });
    }
  } as unknown as WebSocketConstructor;
  const client = connect(`http://127.0.0.1:${command.port}/switchboard`, { transports: ['websocket'], WebSocket: Socket, backoff: { jitter: command.jitter }, timers: coarse, connectTimeout: command.connectTimeout });
  let opened = false;
  let dropsAfterMark = 0;
  client.addEventListener('open', () => {
    if (!opened) everOpened++;
    opened = true;
  });
  client.addEventListener('reconnecting', (event) => {
    if (!marked) return;
    const { delay } = (event as unknown as { detail: { delay: number } }).detail;
    // The first after the mark is the kill itself; the others follow failed attempts.
    if (dropsAfterMark++ > 0) failures.push(Date.now());
    planned.push(Date.now() + delay);
    attemptsPerClient[index]++;
  });
  client.subscribe(`c${id % command.channels}`, () => {});
  clients.push(client);
}

function open(command: StormClientsStart, index: number): void {
  if (command.client === 'universal') return openUniversal(command, index);
  const id = command.firstId + index;
  const client = new ReconnectingWebSocket(`ws://127.0.0.1:${command.port}/?c=${id}`, {
    backoff: { jitter: command.jitter },
    websocket: { localAddress: command.addresses[index % command.addresses.length] },
  });
  let opened = false;
  let closesAfterMark = 0;
  client.addEventListener('open', () => {
    if (!opened) everOpened++;
    opened = true;
  });
  client.addEventListener('close', (event) => {
    if (!marked || !(event as ReconnectingCloseEvent).willReconnect) return;
    // The first close after the mark is the kill itself; the others are failed attempts.
    if (closesAfterMark++ > 0) failures.push(Date.now());
  });
  client.addEventListener('reconnect', (event) => {
    if (!marked) return;
    planned.push(Date.now() + (event as ReconnectEvent).delayMs);
    attemptsPerClient[index]++;
  });
  client.subscribe(`c${id % command.channels}`, () => {});
  clients.push(client);
}

process.on('message', (command: Command) => {
  switch (command.type) {
    case 'start':
      return start(command);
    case 'mark':
      marked = true;
      loopDelay.enable();
      // Acknowledged before the kill, so the kill's close is always seen after the mark.
      send({ type: 'marked' });
      return;
    case 'report': {
      loopDelay.disable();
      const open = clients.filter((client) => (client instanceof ReconnectingWebSocket ? client.readyState === ReconnectingWebSocket.OPEN : client.state === 'open')).length;
      send({ type: 'report', planned, failures, attemptsPerClient, open, loopDelayP99: loopDelay.percentile(99) / 1e6, loopDelayMax: loopDelay.max / 1e6 });
      // The kernel closes the sockets; a graceful close of thousands would be a storm of its own.
      setTimeout(() => process.exit(0), 100);
    }
  }
});
process.on('disconnect', () => process.exit(0));
