import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import WS from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { runEcho } from '../../src/cli/echo-command.js';
import { WebSocket, type SocketConnection } from '../../src/websocket/index.js';
import { memoryIo } from '../support/cli/memory-io.js';

// `switchboard echo --cert --key`: one TLS port, HTTP/1.1 upgrades and RFC 8441 streams.
const tls = {
  key: readFileSync(new URL('../support/sse/localhost-key.pem', import.meta.url)),
  cert: readFileSync(new URL('../support/sse/localhost-cert.pem', import.meta.url)),
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startSecureEcho() {
  const memory = memoryIo();
  const running = await runEcho({ port: 0, host: '127.0.0.1', tls }, memory.io);
  cleanups.push(() => running.close());
  return { running, memory };
}

describe('switchboard echo over TLS', () => {
  it('prints a wss:// URL', async () => {
    const { running, memory } = await startSecureEcho();
    expect(running.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    expect(memory.stdout()).toBe(`Echo server listening on ${running.url} (HTTP/1.1 and HTTP/2)\n`);
  });

  it('echoes to an HTTP/1.1 client (ws, ALPN http/1.1) and to an HTTP/2 client (RFC 8441) on the same port', async () => {
    const { running } = await startSecureEcho();
    const carriers: string[] = [];
    running.server.on('connection', (connection: SocketConnection) => carriers.push(connection.carrier));

    const http1 = new WS(running.url, { rejectUnauthorized: false });
    await once(http1, 'open');
    http1.send('one');
    const [fromHttp1] = await once(http1, 'message');
    expect(fromHttp1.toString()).toBe('one');
    http1.close();

    const http2 = new WebSocket(running.url, undefined, { http2: true, tls: { ca: tls.cert, servername: 'localhost' } });
    await once(http2, 'open');
    expect(http2.carrier).toBe('http2-stream');
    http2.send('two');
    const [fromHttp2] = await once(http2, 'message');
    expect(fromHttp2.toString()).toBe('two');
    expect(http2.extensions).toBe('');
    http2.close();
    await once(http2, 'close');
    expect(carriers).toEqual(['socket', 'http2-stream']);
  });

  it('a wss: WebSocket left to choose joins the open HTTP/2 session to its origin; http2: false does not', async () => {
    const { running } = await startSecureEcho();
    const options = { tls: { ca: tls.cert, servername: 'localhost' } };
    const first = new WebSocket(running.url, undefined, { ...options, http2: true });
    await once(first, 'open');
    const joined = new WebSocket(running.url, undefined, options);
    const refused = new WebSocket(running.url, undefined, { ...options, http2: false });
    await Promise.all([once(joined, 'open'), once(refused, 'open')]);
    expect([first.carrier, joined.carrier, refused.carrier]).toEqual(['http2-stream', 'http2-stream', 'socket']);
    for (const ws of [first, joined, refused]) {
      ws.close();
      await once(ws, 'close');
    }
  });
});
