// The app `npm start` serves (examples/app), end to end in Debian's Chromium: each
// panel driven the way a person would, asserting what the page recorded and saving a
// screenshot of what it showed (test-output/app/).
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/hub/index.js';
import type { Hub } from '../../src/protocol/hub/contract.js';
import { REDIS_URL, connectPair, deleteKeys, redisHub, uniquePrefix } from '../support/redis.js';
import { createMissionApp, type MissionApp } from '../../examples/app/mission-app.js';
import { launchChromium } from '../support/chromium.js';

const SCREENSHOTS = fileURLToPath(new URL('../../test-output/app/', import.meta.url));

let browser: Browser;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

interface Running {
  readonly app: MissionApp;
  readonly origin: string;
}

async function startApp(options: { buildLineMs?: number; notificationMs?: number; makeHub?: () => Hub } = {}): Promise<Running> {
  const app = createMissionApp({
    makeHub: options.makeHub ?? (() => new MemoryHub()),
    hubKind: options.makeHub === undefined ? 'memory' : 'redis',
    buildLineMs: options.buildLineMs ?? 100,
    notificationMs: options.notificationMs ?? 300,
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => app.close());
  return { app, origin: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

/** A page in a context of its own (its own storage and cookies: another person's browser), named `name` if given. */
async function openPage(url: string, name?: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const context: BrowserContext = await browser.newContext({ viewport });
  cleanups.push(() => context.close());
  if (name !== undefined) await context.addInitScript((chosen) => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('switchboard-name', chosen), name);
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

/** What app.js and the panels keep on `window.switchboard`. */
interface PageState {
  tab: string;
  events: Array<{ kind: string; text: string }>;
  chat: { room: string; messages: Array<{ id: string; name: string; text: string; transport: string }>; gaps: string[] };
  cursors: { received: number; sent: number; latencies: number[]; perCursorBytesPerSecond: number | undefined };
  build: { resumedFrom: string | null; lines: Array<{ build: number; line: number; text: string }>; ids: string[]; gaps: string[] };
  notifications: { requests: number; received: Array<{ n: number; text: string }> };
  presence?: { room: string; members: Array<{ id: string; name: string; transport: string }> };
}

const stateOf = (page: Page): Promise<PageState & { state: string; transport: string | undefined }> =>
  page.evaluate(() => {
    const s = (globalThis as unknown as { switchboard: PageState & { client: { state: string; transport: string | undefined } } }).switchboard;
    return { ...s, client: undefined, state: s.client.state, transport: s.client.transport };
  });

async function until<T>(page: Page, what: string, test: (state: Awaited<ReturnType<typeof stateOf>>) => T | false | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await page.evaluate(() => 'switchboard' in globalThis && 'notifications' in (globalThis as unknown as { switchboard: object }).switchboard).then((ready) => (ready ? stateOf(page) : undefined));
    const result = state === undefined ? undefined : test(state);
    if (result !== false && result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(state).slice(0, 1500)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

const offsetOf = (id: string): number => Number(id.slice(id.lastIndexOf('-') + 1));

describe('the mission app in Chromium', () => {
  it("chat: two pages see each other's messages with ids and each other's presence; a later page gets the history; a page that leaves is gone", async () => {
    const { origin } = await startApp();
    const alice = await openPage(`${origin}/`, 'alice');
    const bob = await openPage(`${origin}/`, 'bob');
    for (const page of [alice, bob]) {
      await until(page, 'open, both present', (s) => s.state === 'open' && s.presence?.members.length === 2);
    }
    for (const page of [alice, bob]) {
      const members = (await stateOf(page)).presence!.members.map((m) => `${m.name} ${m.transport}`).sort();
      expect(members).toEqual(['alice websocket', 'bob websocket']);
    }
    await alice.fill('#text', 'hello from alice');
    await alice.press('#text', 'Enter');
    await until(bob, 'alice first', (s) => s.chat.messages.length === 1);
    await bob.fill('#text', 'hi alice');
    await bob.click('#say button');
    for (const page of [alice, bob]) {
      const messages = await until(page, 'both messages', (s) => s.chat.messages.length === 2 && s.chat.messages);
      expect(messages.map((m) => `${m.name}: ${m.text}`)).toEqual(['alice: hello from alice', 'bob: hi alice']);
      expect(messages.map((m) => offsetOf(m.id))).toEqual([1, 2]);
      expect(messages.every((m) => m.transport === 'websocket')).toBe(true);
    }
    await expect.poll(() => bob.locator('#messages li').count()).toBe(2);
    await expect.poll(() => bob.locator('#presence').textContent()).toMatch(/^2 here: /);
    await screenshot(bob, 'chat');

    const carol = await openPage(`${origin}/`, 'carol');
    const history = await until(carol, 'the history', (s) => s.chat.messages.length === 2 && s.chat.messages);
    expect(history.map((m) => m.text)).toEqual(['hello from alice', 'hi alice']);
    await until(alice, 'carol present', (s) => s.presence?.members.some((m) => m.name === 'carol'));
    await carol.context().close();
    // The mount announces the leave once the session is gone and leaveDelayMs (5 s) passed without a new one.
    const left = await until(alice, 'carol gone', (s) => s.presence?.members.length === 2 && s.presence.members, 15_000);
    expect(left.map((m) => m.name).sort()).toEqual(['alice', 'bob']);
  }, 60_000);

  it('cursors: a page receives the other page\'s pointer at 30 updates a second and reports latency and bytes', async () => {
    const { origin } = await startApp();
    const mover = await openPage(`${origin}/`, 'ada');
    const watcher = await openPage(`${origin}/`, 'grace');
    await until(mover, 'open', (s) => s.state === 'open');
    await until(watcher, 'open', (s) => s.state === 'open');
    const board = (await mover.locator('#board').boundingBox())!;
    await mover.mouse.move(board.x + board.width / 2, board.y + board.height / 2);
    const before = (await stateOf(watcher)).cursors.received;
    const startedAt = Date.now();
    // Keep moving for five seconds: a circle, so the drawn cursor visibly moves too.
    while (Date.now() - startedAt < 5000) {
      const angle = (Date.now() - startedAt) / 400;
      await mover.mouse.move(board.x + board.width * (0.5 + 0.3 * Math.cos(angle)), board.y + board.height * (0.5 + 0.3 * Math.sin(angle)));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const elapsed = Date.now() - startedAt;
    const received = (await stateOf(watcher)).cursors.received - before;
    expect(received, `updates in ${elapsed} ms`).toBeGreaterThanOrEqual(140);
    await expect.poll(() => watcher.locator('#cursor-stats').textContent(), { timeout: 5000 }).toMatch(/p50 \d+ ms, p99 \d+ ms · \d[\d,]* B\/s per cursor received over websocket/);
    const state = await stateOf(watcher);
    expect(state.cursors.latencies.length).toBeGreaterThan(0);
    expect(state.cursors.perCursorBytesPerSecond).toBeGreaterThan(0);
    await expect.poll(() => watcher.locator('.cursor').count()).toBe(1);
    // A line in the chat too, so the screenshot shows the page at work (it is docs/app.png).
    await mover.fill('#text', 'watch my cursor go round');
    await mover.press('#text', 'Enter');
    await until(watcher, 'the chat line', (s) => s.chat.messages.length === 1);
    await screenshot(watcher, 'cursors');
  }, 60_000);

  it('build log: a reload mid-build continues after the last line shown, no line twice and none missing', async () => {
    const { origin } = await startApp({ buildLineMs: 60 });
    const page = await openPage(`${origin}/`);
    const before = await until(page, 'ten lines', (s) => s.build.ids.length >= 10 && s.build);
    expect(before.resumedFrom).toBeNull();
    await page.reload();
    const after = await until(page, 'ten more lines after the reload', (s) => s.build.ids.length >= 10 && s.build);
    // The page resumed after the last id it had stored; the first line after is the next offset.
    expect(after.resumedFrom).not.toBeNull();
    expect(offsetOf(after.ids[0]!)).toBe(offsetOf(after.resumedFrom!) + 1);
    expect(offsetOf(after.resumedFrom!)).toBeGreaterThanOrEqual(offsetOf(before.ids.at(-1)!));
    const offsets = after.ids.map(offsetOf);
    expect(offsets).toEqual(offsets.map((_, i) => offsets[0]! + i));
    // A first visit reads the current build from its first line.
    expect(before.lines[0]!.line).toBe(1);
    expect(after.gaps).toEqual([]);
    await screenshot(page, 'build-log');
  }, 60_000);

  it('notifications: long polling delivers them and the page counts its HTTP requests', async () => {
    const { origin } = await startApp({ notificationMs: 200 });
    const page = await openPage(`${origin}/`);
    const state = await until(page, 'five notifications', (s) => s.notifications.received.length >= 5 && s);
    const numbers = state.notifications.received.map((n) => n.n);
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
    // At least the opening poll, one poll per answer, and a POST for the subscription.
    expect(state.notifications.requests).toBeGreaterThanOrEqual(3);
    await expect.poll(() => page.locator('#poll-status').textContent()).toMatch(/open over polling · \d+ HTTP requests so far/);
    await screenshot(page, 'notifications');
  }, 60_000);

  it('"cut my connection": the client reconnects after its backoff and resumes the chat with nothing lost', async () => {
    const { app, origin } = await startApp();
    const page = await openPage(`${origin}/`);
    await until(page, 'open', (s) => s.state === 'open' && s.chat.room === 'lobby');
    const publish = (n: number): Promise<string> => app.switchboard.hub.publish('chat:lobby', { data: JSON.stringify({ name: 'server', text: `m${n}`, transport: 'server' }) });
    for (let n = 1; n <= 3; n++) await publish(n);
    await until(page, 'three messages', (s) => s.chat.messages.length === 3);
    await page.click('#cut');
    await until(page, 'the drop', (s) => s.events.some((e) => e.kind === 'reconnecting'));
    for (let n = 4; n <= 6; n++) await publish(n); // while the page is away
    const state = await until(page, 'reconnected with every message', (s) => s.state === 'open' && s.chat.messages.length === 6 && s);
    expect(state.chat.messages.map((m) => m.text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    expect(state.chat.gaps).toEqual([]);
    const kinds = state.events.map((e) => e.kind);
    expect(kinds.slice(kinds.indexOf('reconnecting'))).toContain('open');
    expect(state.events.find((e) => e.kind === 'reconnecting')!.text).toMatch(/attempt 1: wait [\d,]+ ms \(nominal 1,000, jitter [+-]?\d+\.\d %\)/);
    await expect.poll(() => page.locator('#timeline li.reconnecting').count()).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'cut');
  }, 60_000);

  it('"restart the server\'s hub" with an in-memory hub: the page reports the gap, then goes on', async () => {
    const { app, origin } = await startApp();
    const page = await openPage(`${origin}/`);
    await until(page, 'open', (s) => s.state === 'open' && s.chat.room === 'lobby');
    await app.switchboard.hub.publish('chat:lobby', { data: JSON.stringify({ name: 'server', text: 'before', transport: 'server' }) });
    await until(page, 'the first message', (s) => s.chat.messages.length === 1);
    await page.click('#restart');
    const state = await until(page, 'the gap', (s) => s.state === 'open' && s.chat.gaps.length > 0 && s);
    expect(state.chat.gaps).toContain('epoch-changed');
    await app.switchboard.hub.publish('chat:lobby', { data: JSON.stringify({ name: 'server', text: 'after', transport: 'server' }) });
    await until(page, 'the message after', (s) => s.chat.messages.at(-1)?.text === 'after');
    await expect.poll(() => page.locator('#timeline li.gap').count()).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'restart');
  }, 60_000);

  it('on Redis: two app processes share a room and its presence, and restarting one\'s hub loses nothing', async () => {
    const prefix = uniquePrefix('app');
    const pair = await connectPair(REDIS_URL);
    cleanups.push(async () => {
      await deleteKeys(pair.client, prefix);
      await pair.close();
    });
    const makeHub = (): Hub => redisHub(pair, { keyPrefix: prefix });
    const first = await startApp({ makeHub });
    const second = await startApp({ makeHub });
    const alice = await openPage(`${first.origin}/`, 'alice');
    const bob = await openPage(`${second.origin}/`, 'bob');
    // Presence through Redis: each page, on its own process, sees both members.
    for (const page of [alice, bob]) await until(page, 'open, both present', (s) => s.state === 'open' && s.presence?.members.length === 2);
    await alice.fill('#text', 'from the first process');
    await alice.press('#text', 'Enter');
    await until(bob, 'the message from the other process', (s) => s.chat.messages.some((m) => m.text === 'from the first process'));

    await bob.click('#restart');
    await until(bob, 'the drop', (s) => s.events.some((e) => e.kind === 'reconnecting'));
    await alice.fill('#text', 'while bob was away');
    await alice.press('#text', 'Enter');
    const state = await until(bob, 'back with everything', (s) => s.state === 'open' && s.chat.messages.length === 2 && s);
    expect(state.chat.messages.map((m) => m.text)).toEqual(['from the first process', 'while bob was away']);
    expect(state.chat.gaps).toEqual([]);
    await screenshot(bob, 'redis-restart');
  }, 60_000);

  it('inspector: this browser\'s frames live, a selected frame decoded field by field as its bytes say, the accept computed, the bytes chart', async () => {
    const { origin } = await startApp();
    const page = await openPage(`${origin}/inspector`);
    await page.waitForFunction(() => (globalThis as unknown as { inspector?: { events: unknown[] } }).inspector?.events.length);
    await page.click('button[data-send="300"]');
    await expect.poll(() => page.locator('#try-status').textContent(), { timeout: 10_000 }).toMatch(/^published 300 characters as /);
    interface Recorded {
      events: Array<{ type: string; from?: string; hex?: string; text?: string; frame?: { payloadLength: number; opcodeName: string } }>;
      selected?: { fields: Array<{ name: string; value: unknown }>; accept?: { matches?: boolean; accept: string } };
      transportBytes?: { kinds: Array<{ transports: unknown[] }> };
    }
    const recorded = (): Promise<Recorded> => page.evaluate(() => JSON.parse(JSON.stringify((globalThis as unknown as { inspector: unknown }).inspector)) as Recorded);
    // The client's publish: a masked text frame with a 16-bit length.
    let index = -1;
    await expect
      .poll(async () => {
        index = (await recorded()).events.findIndex((e) => e.type === 'frame' && e.from === 'client' && (e.frame?.payloadLength ?? 0) > 300);
        return index;
      }, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(0);
    await page.click(`#frames tr[data-index="${index}"]`);
    const state = await recorded();
    const bytes = Buffer.from(state.events[index]!.hex!, 'hex');
    const fields = new Map(state.selected!.fields.map((f) => [f.name, f.value]));
    // Read the header here, independently of the annotator, and compare.
    expect(fields.get('FIN')).toBe((bytes[0]! & 0x80) !== 0);
    expect(fields.get('opcode')).toBe(`0x${bytes[0]! & 0x0f} text`);
    expect(fields.get('MASK')).toBe(true);
    expect(bytes[1]! & 0x7f).toBe(126);
    expect(fields.get('payload length')).toBe(126);
    expect(fields.get('extended payload length')).toBe(bytes.readUInt16BE(2));
    expect(fields.get('masking key')).toBe(bytes.subarray(4, 8).toString('hex').replace(/(..)(?!$)/g, '$1 '));
    const key = bytes.subarray(4, 8);
    const payload = Buffer.from(bytes.subarray(8).map((b, i) => b ^ key[i % 4]!));
    expect(JSON.parse(payload.toString('utf8'))).toMatchObject({ type: 'publish', channel: 'chat:inspector', data: 'x'.repeat(300) });
    await expect.poll(() => page.locator('.legend li').count()).toBe(state.selected!.fields.length);
    await expect.poll(() => page.locator('.mask-table').count()).toBe(2); // the bits of bytes 0-1, the unmasking

    // The opening handshake: the accept recomputed in the page matches the server's.
    const head = state.events.findIndex((e) => e.type === 'http-head' && e.from === 'client' && /sec-websocket-key/i.test(e.text ?? ''));
    await page.click(`#frames tr[data-index="${head}"]`);
    const explained = (await recorded()).selected!.accept!;
    expect(explained.matches).toBe(true);
    await expect.poll(() => page.locator('.steps li').count()).toBeGreaterThanOrEqual(4);
    await screenshot(page, 'inspector-handshake');
    await page.click(`#frames tr[data-index="${index}"]`);

    // 70,000 bytes take the 64-bit length form.
    await page.click('button[data-send="70000"]');
    await expect
      .poll(async () => (await recorded()).events.some((e) => e.type === 'frame' && e.from === 'client' && (e.frame as { lengthForm?: string } | undefined)?.lengthForm === '64-bit'), { timeout: 10_000 })
      .toBe(true);

    // The chart: every kind, every transport, from the server's measurement.
    await expect.poll(async () => (await recorded()).transportBytes?.kinds.length, { timeout: 15_000 }).toBe(3);
    await expect.poll(() => page.locator('#chart svg rect').count()).toBe(15);
    await screenshot(page, 'inspector');
  }, 60_000);
});
