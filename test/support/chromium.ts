// Debian's Chromium driven through playwright-core (never a downloaded browser), with
// the flags every browser test here uses: headless, no sandbox (CI runs as root), no GPU,
// and no background traffic to the network the machine does not have.
import { type Browser, chromium } from 'playwright-core';

/** `extraArgs`, e.g. `--ignore-certificate-errors` for a page served with a test's self-signed certificate. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs],
  });
}
