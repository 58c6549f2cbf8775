import WS from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningDemo, startDemoServer } from '../../src/cli/demo-server.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function start(): Promise<RunningDemo> {
  const demo = await startDemoServer({ port: 0, host: '127.0.0.1' });
  cleanups.push(() => demo.close());
  return demo;
}

function openClient(url: string): Promise<WS> {
  const client = new WS(url);
  cleanups.push(() => client.terminate());
  return new Promise((resolve, reject) => {
    client.once('open', () => resolve(client));
    client.once('error', reject);
  });
}

describe('switchboard demo (npm start)', () => {
  it('serves the page at /', async () => {
    const demo = await start();
    expect(demo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${demo.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>/);
    for (const part of ['<input id="message"', '<button id="send" type="submit">Send</button>', '<ul id="log">', "'/ws'", 'new WebSocket(']) {
      expect(html).toContain(part);
    }
    const head = await fetch(`${demo.url}/?from=head`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('answers 404 elsewhere', async () => {
    const demo = await start();
    expect((await fetch(`${demo.url}/favicon.ico`)).status).toBe(404);
    expect((await fetch(`${demo.url}/`, { method: 'POST', body: 'x' })).status).toBe(404);
    const stray = new WS(`${demo.url.replace('http', 'ws')}/elsewhere`);
    const status = await new Promise<number | undefined>((resolve) => stray.once('unexpected-response', (_request, response) => resolve(response.statusCode)));
    stray.on('error', () => {});
    stray.terminate();
    expect(status).toBe(404);
  });

  it('echoes at /ws, text as text and binary as binary', async () => {
    const demo = await start();
    const client = await openClient(`${demo.url.replace('http', 'ws')}/ws`);
    const echoes: [string, boolean][] = [];
    const both = new Promise<void>((resolve) =>
      client.on('message', (data: Buffer, isBinary: boolean) => {
        echoes.push([isBinary ? data.toString('hex') : data.toString(), isBinary]);
        if (echoes.length === 2) resolve();
      }),
    );
    client.send('hello demo');
    client.send(Buffer.from([0xde, 0xad]));
    await both;
    expect(echoes).toEqual([
      ['hello demo', false],
      ['dead', true],
    ]);
  });

  it('close() closes open sockets with 1001 and stops listening', async () => {
    const demo = await startDemoServer({ port: 0, host: '127.0.0.1' });
    const client = await openClient(`${demo.url.replace('http', 'ws')}/ws`);
    const closed = new Promise<number>((resolve) => client.once('close', resolve));
    await demo.close();
    expect(await closed).toBe(1001);
    expect(demo.http.listening).toBe(false);
  });
});
