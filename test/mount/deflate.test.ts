// permessage-deflate on the mount's WebSocket transport: off by default, negotiated with
// a client that offers it when `perMessageDeflate` is set, and the compressed messages
// arrive whole. The client is `ws` (an independent peer), which offers it as browsers do.
import WS from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/sse/net.js';
import { startMount } from '../support/mount/mount-client.js';
import type { SwitchboardOptions } from '../../src/mount/index.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function session(options: SwitchboardOptions): Promise<{ ws: WS; messages: Array<Record<string, unknown>>; publish(data: string): Promise<string> }> {
  const mounted = await startMount({ heartbeatInterval: 60_000, ...options });
  cleanups.push(() => mounted.stop());
  const ws = new WS(`${mounted.origin.replace('http', 'ws')}/switchboard/ws`, 'switchboard.v1', { perMessageDeflate: true });
  cleanups.push(() => ws.terminate());
  const messages: Array<Record<string, unknown>> = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(JSON.stringify({ type: 'subscribe', channel: 'room' }));
  await waitFor(() => messages.some((m) => m.type === 'subscribed'), 'subscribed');
  return { ws, messages, publish: (data) => mounted.hub.publish('room', { data }) };
}

describe('permessage-deflate on the mount', () => {
  it('is declined by default', async () => {
    const { ws } = await session({});
    expect(ws.extensions).toBe('');
  });

  it('is negotiated with perMessageDeflate, and a large message arrives whole', async () => {
    const { ws, messages, publish } = await session({ perMessageDeflate: { threshold: 256 } });
    expect(ws.extensions).toMatch(/^permessage-deflate/);
    const data = JSON.stringify({ rows: Array.from({ length: 100 }, (_, i) => ({ i, name: `row ${i}` })) });
    await publish(data);
    await waitFor(() => messages.some((m) => m.type === 'message'), 'the message');
    expect(messages.find((m) => m.type === 'message')?.data).toBe(data);
  });
});
