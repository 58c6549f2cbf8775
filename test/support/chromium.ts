// Debian's Chromium driven through playwright-core (never a downloaded browser), with
// the flags every browser test here uses: headless, no sandbox (CI runs as root), no GPU,
// and no background traffic to the network the machine does not have.
import { type Browser, chromium } from 'playwright-core';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
