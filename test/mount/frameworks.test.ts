// The mount inside Express and Fastify, wired the way docs/sessions.md says: the
// client reaches every transport through the framework's server (publishes over SSE
// and polling are POSTs the framework's body parser must not have consumed), and the
// application's own routes, body parser included, still answer.
import { createServer, type Server } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type ChannelEvent, type WebSocketConstructor } from '../../src/client/index.js';
import { MemoryHub } from '../../src/hub/index.js';
import { createSwitchboard, type Switchboard } from '../../src/mount/index.js';
import { WebSocket } from '../../src/websocket/index.js';
import { listen, shut, waitFor } from '../support/sse/net.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function mount(): { hub: MemoryHub; switchboard: Switchboard } {
  const hub = new MemoryHub({ epoch: 'fw' });
  const switchboard = createSwitchboard({ hub });
  cleanups.push(async () => {
    await switchboard.close();
    await hub.close();
  });
  return { hub, switchboard };
}

async function expressSite(): Promise<{ origin: string; hub: MemoryHub }> {
  const { hub, switchboard } = mount();
  const app = express();
  // Before any body parser: the mount reads its POST bodies itself.
  app.use((req, res, next) => switchboard.handleRequest(req, res) || next());
  app.use(express.json());
  app.post('/api/echo', (req, res) => {
    res.json({ echoed: req.body as unknown });
  });
  const server = createServer(app);
  server.on('upgrade', (req, socket, head) => switchboard.handleUpgrade(req, socket, head) || socket.destroy());
  const origin = await listen(server);
  cleanups.push(() => closeServer(server));
  return { origin, hub };
}

async function fastifySite(): Promise<{ origin: string; hub: MemoryHub }> {
  const { hub, switchboard } = mount();
  // serverFactory puts the mount in front of Fastify's router, content-type parsers and hooks.
  const fastify = Fastify({
    serverFactory: (handler) => createServer((req, res) => switchboard.handleRequest(req, res) || handler(req, res)),
  });
  fastify.post('/api/echo', async (request) => ({ echoed: request.body }));
  await fastify.ready();
  fastify.server.on('upgrade', (req, socket, head) => switchboard.handleUpgrade(req, socket, head) || socket.destroy());
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  const address = fastify.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  cleanups.push(() => fastify.close());
  return { origin: `http://127.0.0.1:${address.port}`, hub };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await shut(server);
}

for (const [name, makeSite] of [['Express', expressSite], ['Fastify', fastifySite]] as const) {
  describe(`the mount in ${name}`, () => {
    for (const transport of ['websocket', 'sse', 'polling'] as const) {
      it(`${transport}: the client subscribes, publishes and receives through the framework's server`, async () => {
        const { origin, hub } = await makeSite();
        const client = connect(`${origin}/switchboard`, { transports: [transport], WebSocket: WebSocket as unknown as WebSocketConstructor });
        cleanups.push(() => client.close());
        const got: string[] = [];
        let live = false;
        client.subscribe('room', (event: ChannelEvent) => {
          if (event.type === 'subscribed') live = true;
          if (event.type === 'message') got.push(event.data);
        });
        await waitFor(() => live, 'the subscription');
        expect(client.transport).toBe(transport);
        await hub.publish('room', { data: 'from the server' });
        const id = await client.publish('room', 'from the page');
        expect(id).toBe('fw-2');
        await waitFor(() => got.length === 2, 'both messages');
        expect(got).toEqual(['from the server', 'from the page']);
      });
    }

    it("the application's routes and body parser still answer, and the client script is served", async () => {
      const { origin } = await makeSite();
      const echoed = await fetch(`${origin}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
      expect(echoed.status).toBe(200);
      expect(await echoed.json()).toEqual({ echoed: { a: 1 } });
      const script = await fetch(`${origin}/switchboard/client.js`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(await script.text()).toContain('export');
      const elsewhere = await fetch(`${origin}/switchboard/nothing-here`);
      expect(elsewhere.status).toBe(404);
    });
  });
}

describe('a body parser mounted in front of the mount', () => {
  it('makes a session POST answer 500 at once with the reason, not wait for a body that never comes', async () => {
    const { switchboard } = mount();
    const app = express();
    app.use(express.json({ type: () => true })); // the wrong order
    app.use((req, res, next) => switchboard.handleRequest(req, res) || next());
    const server = createServer(app);
    const origin = await listen(server);
    cleanups.push(() => closeServer(server));
    const opened = (await (await fetch(`${origin}/switchboard/poll`)).json()) as { session: string };
    const answer = await fetch(`${origin}/switchboard/session/${opened.session}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[{"type":"subscribe","channel":"room"}]',
    });
    expect(answer.status).toBe(500);
    expect(((await answer.json()) as { error: string }).error).toMatch(/already read.*before any body parser/);
  });
});
