// Backpressure, 1008 closes and refused handshakes as counted, and as published on
// node:diagnostics_channel, with a plain WebSocketServer.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS_CHANNELS, metrics, renderPrometheus } from '../../src/metrics/index.js';
import { WebSocket, WebSocketServer, type WebSocketServerOptions } from '../../src/websocket/index.js';
import { parsePrometheus, valueOf } from '../support/prometheus-text.js';
import { closeServer, openClient, portOf, refusedClient, waitFor } from '../support/raw-peer.js';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  while (servers.length > 0) await closeServer(servers.pop()!);
});

async function listen(options: Omit<WebSocketServerOptions, 'port'>): Promise<WebSocketServer> {
  const server = await new Promise<WebSocketServer>((resolve) => {
    const created: WebSocketServer = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options }, () => resolve(created));
  });
  servers.push(server);
  return server;
}

const read = (name: string, labels: Record<string, string>): number => valueOf(parsePrometheus(renderPrometheus(metrics.collect())), name, labels);

describe('WebSocket limits in the metrics', () => {
  it('a send over maxBufferedAmount with onBufferLimit close: a backpressure close and a 1008', async () => {
    const events: unknown[] = [];
    const listener = (event: unknown): void => void events.push(event);
    subscribe(METRICS_CHANNELS.backpressure, listener);
    subscribe(METRICS_CHANNELS.connection, listener);
    try {
      const closedBefore = read('switchboard_backpressure_total', { transport: 'websocket', action: 'closed' });
      const policyBefore = read('switchboard_websocket_policy_closes_total', { reason: 'Send buffer limit reached' });
      const server = await listen({ maxBufferedAmount: 1024, onBufferLimit: 'close' });
      server.on('connection', (connection) => connection.send(Buffer.alloc(2048)));
      // Listening before the handshake ends: the close may come with the 101.
      const client = new WebSocket(`ws://127.0.0.1:${portOf(server)}`);
      const code = await new Promise<number>((resolve) => client.once('close', resolve));
      expect(code).toBe(1008);
      await waitFor(() => server.clients.size === 0, 'the server side closed');
      expect(read('switchboard_backpressure_total', { transport: 'websocket', action: 'closed' }) - closedBefore).toBe(1);
      expect(read('switchboard_websocket_policy_closes_total', { reason: 'Send buffer limit reached' }) - policyBefore).toBe(1);
    } finally {
      unsubscribe(METRICS_CHANNELS.backpressure, listener);
      unsubscribe(METRICS_CHANNELS.connection, listener);
    }
    expect(events).toEqual([
      { transport: 'websocket', event: 'open' },
      { transport: 'websocket', action: 'closed' },
      // The server failed the connection (§7.1.7) and did not wait for the client's close frame.
      { transport: 'websocket', event: 'close', code: 1006 },
    ]);
  });

  it('with onBufferLimit drop: a drop counted, the connection kept', async () => {
    const before = read('switchboard_backpressure_total', { transport: 'websocket', action: 'dropped' });
    const server = await listen({ maxBufferedAmount: 1024, onBufferLimit: 'drop' });
    const results: string[] = [];
    server.on('connection', (connection) => {
      results.push(connection.send(Buffer.alloc(2048)), connection.send('small'));
    });
    const client = new WebSocket(`ws://127.0.0.1:${portOf(server)}`);
    const message = await new Promise<Buffer>((resolve) => client.once('message', resolve));
    expect(message.toString()).toBe('small');
    expect(results).toEqual(['dropped', 'sent']);
    expect(read('switchboard_backpressure_total', { transport: 'websocket', action: 'dropped' }) - before).toBe(1);
    client.close();
  });

  it('a refused handshake by its status, on the channel too; a client connection is not counted', async () => {
    const events: unknown[] = [];
    const listener = (event: unknown): void => void events.push(event);
    const server = await listen({ verify: () => ({ status: 429, reason: 'slow down' }) });
    const before = read('switchboard_handshakes_rejected_total', { transport: 'websocket', status: '429' });
    const openBefore = read('switchboard_connections_opened_total', { transport: 'websocket' });
    subscribe(METRICS_CHANNELS.handshake, listener);
    try {
      await refusedClient(`ws://127.0.0.1:${portOf(server)}`);
    } finally {
      unsubscribe(METRICS_CHANNELS.handshake, listener);
    }
    expect(read('switchboard_handshakes_rejected_total', { transport: 'websocket', status: '429' }) - before).toBe(1);
    expect(read('switchboard_connections_opened_total', { transport: 'websocket' }) - openBefore).toBe(0);
    expect(events).toEqual([{ transport: 'websocket', accepted: false, status: 429 }]);
  });

  it('counts server-side messages and wire bytes only, not those of a client in the same process', async () => {
    const server = await listen({});
    server.on('connection', (connection) => connection.on('message', (data: Buffer) => connection.send(data)));
    const client = await openClient(`ws://127.0.0.1:${portOf(server)}`);
    const inBefore = read('switchboard_messages_received_total', { transport: 'websocket' });
    const outBefore = read('switchboard_messages_sent_total', { transport: 'websocket' });
    const bytesInBefore = read('switchboard_bytes_received_total', { transport: 'websocket' });
    const bytesOutBefore = read('switchboard_bytes_sent_total', { transport: 'websocket' });
    for (let i = 0; i < 10; i++) client.send(Buffer.alloc(100));
    let echoed = 0;
    client.on('message', () => echoed++);
    await waitFor(() => echoed === 10, 'ten echoes');
    // One message each way per send: the client's own sends and receipts are not counted.
    expect(read('switchboard_messages_received_total', { transport: 'websocket' }) - inBefore).toBe(10);
    expect(read('switchboard_messages_sent_total', { transport: 'websocket' }) - outBefore).toBe(10);
    // Wire bytes: a client frame of 100 bytes is 2 + 4 (mask) + 100; the server's is 2 + 100.
    expect(read('switchboard_bytes_received_total', { transport: 'websocket' }) - bytesInBefore).toBe(10 * 106);
    expect(read('switchboard_bytes_sent_total', { transport: 'websocket' }) - bytesOutBefore).toBe(10 * 102);
    client.close();
  });
});
