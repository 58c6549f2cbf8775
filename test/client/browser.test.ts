// The browser client end to end in Debian's Chromium: a real page imports
// `/switchboard/client.js` from a cluster process (examples/cluster), subscribes to
// numbered channels while this process publishes, and each test breaks something on
// the way: the server restarted, a proxy that drops upgrades, a proxy that buffers,
// a server that stops answering without closing, twelve channels on one stream.
// Every test asserts each message exactly once, in order (or an explicit gap), and
// the transport the page ended on, and saves a screenshot of the page.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { IN_CI } from '../support/ci.js';
import { type ClusterNode, type Nginx, compileExamples, findNginx, freePort, httpGet, runNginx, startClusterNode } from '../support/cluster.js';
import { REDIS_URL } from '../support/redis.js';

const SCREENSHOTS = fileURLToPath(new URL('../../test-output/client/', import.meta.url));
const nginxPath = findNginx();

/** What the page records, read back with `page.evaluate`. */
interface PageRecord {
  /** Per channel, the data of every message in the order delivered. */
  messages: Record<string, string[]>;
  gaps: Array<{ channel: string; reason: string }>;
  /** Channels whose subscription went live (each `subscribed`, in order). */
  subscribed: string[];
  transports: Array<{ name: string; reason: string }>;
  reconnecting: number;
  state: string;
  transport: string | undefined;
}

// The page: imports the client the server serves, subscribes, and shows what arrived.
const page = (channels: string[], options: object): string => `<!doctype html>
<html><head><meta charset="utf-8"><title>switchboard client test</title>
<style>body{font:14px system-ui;margin:16px}td,th{padding:2px 10px;text-align:left}</style></head>
<body><h1>Switchboard client</h1><p id="status">loading</p><table><thead><tr><th>channel</th><th>messages</th><th>last</th></tr></thead><tbody id="rows"></tbody></table>
<script type="module">
import { connect } from '/switchboard/client.js';
const options = ${JSON.stringify(options)};
const channels = ${JSON.stringify(channels)};
const record = { messages: {}, gaps: [], subscribed: [], transports: [], reconnecting: 0, state: 'connecting', transport: undefined };
window.record = record;
const client = connect('/switchboard', options);
window.client = client;
const show = () => {
  record.state = client.state;
  record.transport = client.transport;
  document.getElementById('status').textContent = client.state + ' over ' + (client.transport ?? '…') + ', ' + record.reconnecting + ' reconnection(s), ' + record.gaps.length + ' gap(s)';
  document.getElementById('rows').innerHTML = channels.map((c) => '<tr><td>' + c + '</td><td>' + record.messages[c].length + '</td><td>' + (record.messages[c].at(-1) ?? '') + '</td></tr>').join('');
};
for (const channel of channels) {
  record.messages[channel] = [];
  client.subscribe(channel, (event) => {
    if (event.type === 'message') record.messages[channel].push(event.data);
    if (event.type === 'gap') record.gaps.push({ channel, reason: event.reason });
    if (event.type === 'subscribed') record.subscribed.push(channel);
    show();
  });
}
client.addEventListener('transport', (event) => { record.transports.push({ name: event.name ?? event.detail?.name, reason: event.reason ?? event.detail?.reason }); show(); });
client.addEventListener('reconnecting', () => { record.reconnecting++; show(); });
client.addEventListener('open', show);
client.addEventListener('close', show);
show();
</script></body></html>`;

let browser: Browser;
const started: Array<{ dispose(): Promise<void> }> = [];

beforeAll(async () => {
  await compileExamples();
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  while (started.length > 0) await started.pop()!.dispose();
});

async function node(args: string[], id = 'a'): Promise<ClusterNode> {
  const started_ = await startClusterNode(id, REDIS_URL, `client-test-${process.pid}-${Date.now()}:`, args);
  started.push({ dispose: () => started_.stop() });
  return started_;
}

/**
 * Opens the test page on `origin` (a node, or nginx in front of one). The page's document
 * comes from that server (a JSON answer, then replaced): Chromium lets a page reach a
 * loopback server over WebSocket only when the page itself was loaded from one.
 */
async function openPage(origin: string, channels: string[], options: object): Promise<Page> {
  const tab = await browser.newPage();
  started.push({ dispose: () => tab.close() });
  await tab.goto(`${origin}/whoami`);
  await tab.setContent(page(channels, options));
  return tab;
}

const recordOf = (page: Page): Promise<PageRecord> => page.evaluate(() => (globalThis as unknown as { record: PageRecord }).record);

async function until(page: Page, what: string, test: (record: PageRecord) => boolean, timeoutMs = 20_000): Promise<PageRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await recordOf(page);
    if (test(record)) return record;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(record).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function publish(port: number, channel: string, data: string): Promise<void> {
  const answer = await httpGet(port, `/publish?channel=${encodeURIComponent(channel)}`, { body: data });
  if (answer.status !== 200) throw new Error(`publish failed: ${answer.status} ${answer.body}`);
}

/** Publishes `from`..`to` (as strings) on every channel, in order. */
async function publishRange(port: number, channels: string[], from: number, to: number): Promise<void> {
  for (let n = from; n <= to; n++) for (const channel of channels) await publish(port, channel, String(n));
}

const range = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

const CHANNELS = ['news', 'chat', 'logs'];
/** Open, and every channel's first subscription live (a publish before it would not be for the page). */
const allLive = (record: PageRecord): boolean => record.state === 'open' && Object.keys(record.messages).every((channel) => record.subscribed.includes(channel));

describe('the browser client in Chromium', () => {
  it('resumes after the server process is killed and restarted: an in-memory hub reports a gap', async () => {
    const port = await freePort();
    let a = await node(['--port', String(port), '--redis', 'memory']);
    const page = await openPage(`http://127.0.0.1:${port}`, CHANNELS, {});
    await until(page, 'open', allLive);
    await publishRange(port, CHANNELS, 1, 5);
    await until(page, 'messages 1-5', (r) => CHANNELS.every((c) => r.messages[c].length === 5));
    await a.stop(0);
    a = await node(['--port', String(port), '--redis', 'memory']);
    await until(page, 'gap after restart', (r) => r.gaps.length === CHANNELS.length && r.state === 'open');
    await publishRange(port, CHANNELS, 6, 10);
    const record = await until(page, 'messages 6-10', (r) => CHANNELS.every((c) => r.messages[c].length === 10));
    for (const channel of CHANNELS) expect(record.messages[channel]).toEqual(range(1, 10));
    expect(record.gaps.map((gap) => gap.reason)).toEqual(CHANNELS.map(() => 'epoch-changed'));
    // The restart did not push the page down the ladder: every session was a WebSocket.
    expect(record.transports.map((t) => t.name)).toEqual(['websocket', 'websocket']);
    expect(record.transport).toBe('websocket');
    await screenshot(page, 'restart-memory');
  }, 60_000);

  it('loses nothing across a restart with a Redis hub: what was published meanwhile is replayed', async () => {
    const port = await freePort();
    const prefix = `client-test-redis-${process.pid}-${Date.now()}:`;
    let a = await startClusterNode('a', REDIS_URL, prefix, ['--port', String(port)]);
    started.push({ dispose: () => a.stop() });
    const b = await startClusterNode('b', REDIS_URL, prefix, ['--port', '0']);
    started.push({ dispose: () => b.stop() });
    const page = await openPage(`http://127.0.0.1:${port}`, CHANNELS, {});
    await until(page, 'open', allLive);
    await publishRange(b.port, CHANNELS, 1, 5);
    await until(page, 'messages 1-5', (r) => CHANNELS.every((c) => r.messages[c].length === 5));
    await a.stop(0);
    await publishRange(b.port, CHANNELS, 6, 8);
    a = await startClusterNode('a', REDIS_URL, prefix, ['--port', String(port)]);
    started.push({ dispose: () => a.stop() });
    await until(page, 'reconnected', (r) => r.reconnecting > 0 && r.state === 'open' && CHANNELS.every((c) => r.messages[c].length === 8));
    await publishRange(b.port, CHANNELS, 9, 10);
    const record = await until(page, 'messages 1-10', (r) => CHANNELS.every((c) => r.messages[c].length === 10));
    for (const channel of CHANNELS) expect(record.messages[channel]).toEqual(range(1, 10));
    expect(record.gaps).toEqual([]);
    await screenshot(page, 'restart-redis');
  }, 60_000);

  describe.skipIf(nginxPath === undefined && !IN_CI)('behind nginx', () => {
    let nginx: Nginx | undefined;
    afterEach(async () => {
      await nginx?.dispose();
      nginx = undefined;
    });

    const proxy = async (upstream: number, directives: string): Promise<Nginx> => {
      if (nginxPath === undefined) throw new Error('nginx is not installed (apt-get install nginx)');
      const port = await freePort();
      nginx = await runNginx(
        nginxPath!,
        `server {
  listen 127.0.0.1:${port};
  location / {
    proxy_pass http://127.0.0.1:${upstream};
    proxy_http_version 1.1;
    proxy_read_timeout 75s;
${directives}
  }
}
`,
        port,
      );
      return nginx;
    };

    it('ends on SSE when the proxy drops the Upgrade headers, and gets everything', async () => {
      const a = await node(['--port', '0', '--redis', 'memory']);
      // No `proxy_set_header Upgrade/Connection`: nginx does not pass the upgrade on.
      const front = await proxy(a.port, '    proxy_buffering off;');
      const page = await openPage(`http://127.0.0.1:${front.port}`, CHANNELS, { connectTimeout: 2000 });
      await until(page, 'open over sse', (r) => allLive(r) && r.transport === 'sse');
      await publishRange(a.port, CHANNELS, 1, 20);
      const record = await until(page, 'messages 1-20', (r) => CHANNELS.every((c) => r.messages[c].length === 20));
      for (const channel of CHANNELS) expect(record.messages[channel]).toEqual(range(1, 20));
      expect(record.transport).toBe('sse');
      expect(record.transports.map((t) => t.name)).toContain('sse');
      await screenshot(page, 'nginx-no-upgrade');
    }, 60_000);

    it('ends on long polling when the proxy also buffers responses, and gets everything', async () => {
      const a = await node(['--port', '0', '--redis', 'memory']);
      // A buffering proxy that ignores the server's X-Accel-Buffering: no.
      const front = await proxy(a.port, '    proxy_buffering on;\n    proxy_ignore_headers X-Accel-Buffering;');
      const page = await openPage(`http://127.0.0.1:${front.port}`, CHANNELS, { connectTimeout: 2000 });
      await until(page, 'open over polling', (r) => allLive(r) && r.transport === 'polling', 30_000);
      await publishRange(a.port, CHANNELS, 1, 20);
      const record = await until(page, 'messages 1-20', (r) => CHANNELS.every((c) => r.messages[c].length === 20));
      for (const channel of CHANNELS) expect(record.messages[channel]).toEqual(range(1, 20));
      expect(record.transport).toBe('polling');
      await screenshot(page, 'nginx-buffering');
    }, 60_000);
  });

  it('notices a server that stops answering without closing (heartbeat) and resumes', async () => {
    const a = await node(['--port', '0', '--redis', 'memory', '--heartbeat-ms', '1000']);
    const page = await openPage(`http://127.0.0.1:${a.port}`, CHANNELS, { heartbeatGrace: 1000 });
    await until(page, 'open', allLive);
    await publishRange(a.port, CHANNELS, 1, 3);
    await until(page, 'messages 1-3', (r) => CHANNELS.every((c) => r.messages[c].length === 3));
    // Stopped, the process keeps its sockets open (the kernel still acknowledges what
    // the page sends): a half-open connection, as after a laptop sleeps.
    a.child.kill('SIGSTOP');
    try {
      await until(page, 'the page to give up on the silent server', (r) => r.reconnecting > 0, 15_000);
    } finally {
      a.child.kill('SIGCONT');
    }
    await until(page, 'open again', allLive);
    await publishRange(a.port, CHANNELS, 4, 6);
    const record = await until(page, 'messages 1-6', (r) => CHANNELS.every((c) => r.messages[c].length === 6));
    for (const channel of CHANNELS) expect(record.messages[channel]).toEqual(range(1, 6));
    expect(record.gaps).toEqual([]);
    await screenshot(page, 'half-open');
  }, 60_000);

  it('carries twelve channels over SSE on one stream, not twelve', async () => {
    const a = await node(['--port', '0', '--redis', 'memory']);
    const channels = Array.from({ length: 12 }, (_, i) => `room-${i + 1}`);
    const page = await openPage(`http://127.0.0.1:${a.port}`, channels, { transports: ['sse'] });
    await until(page, 'open over sse', (r) => allLive(r) && r.transport === 'sse');
    await publishRange(a.port, channels, 1, 5);
    const record = await until(page, 'messages 1-5', (r) => channels.every((c) => r.messages[c].length === 5));
    for (const channel of channels) expect(record.messages[channel]).toEqual(range(1, 5));
    const stats = JSON.parse((await httpGet(a.port, '/stats')).body) as { streams: { sse: number } };
    expect(stats.streams.sse).toBe(1);
    await screenshot(page, 'twelve-channels-sse');
  }, 60_000);
});
