// The demo page in a real browser (Debian's Chromium, driven by playwright-core): typing,
// Send, and the echo in the log, through Chromium's own WebSocket against our server.
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { type RunningDemo, startDemoServer } from '../../src/cli/demo-server.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  // Undefined when the launch failed: that failure is the one to report.
  await browser?.close();
});

let demo: RunningDemo | undefined;
afterEach(async () => {
  await demo?.close();
  demo = undefined;
});

describe('the demo page in Chromium', () => {
  it('sends what is typed and shows the echo, then the close when the server stops', async () => {
    demo = await startDemoServer({ port: 0, host: '127.0.0.1' });
    const page = await browser.newPage();
    try {
      await page.goto(`${demo.url}/`);
      await page.locator('#status', { hasText: 'open' }).waitFor({ timeout: 5000 });

      await page.fill('#message', 'hello from Chromium');
      await page.click('#send');
      await page.locator('#log li.echo').first().waitFor({ timeout: 5000 });
      await page.fill('#message', 'κόσμε 👋');
      await page.press('#message', 'Enter');
      await page.locator('#log li.echo').nth(1).waitFor({ timeout: 5000 });
      expect(await page.locator('#log li').allTextContents()).toEqual([
        '> hello from Chromium',
        '< hello from Chromium',
        '> κόσμε 👋',
        '< κόσμε 👋',
      ]);
      expect(await page.inputValue('#message')).toBe('');
      expect(demo.webSockets.clients.size).toBe(1);

      await demo.close();
      demo = undefined;
      await page.locator('#status', { hasText: 'closed (1001)' }).waitFor({ timeout: 5000 });
    } finally {
      await page.close();
    }
  });
});
