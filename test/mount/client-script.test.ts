// `GET <prefix>/client.js`: the browser bundle, revalidated by ETag.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { clientBundlePath } from '../../src/mount/client-script.js';
import { startMount } from '../support/mount/mount-client.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(path: string) {
  const mounted = await startMount({}, { clientScriptPath: path });
  cleanups.push(() => mounted.stop());
  return mounted;
}

function tempFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-client-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'client.bundle.js');
  writeFileSync(path, text);
  return path;
}

describe('client.js', () => {
  it('serves the bundle with an ETag and no-cache, and 304 when it has not changed', async () => {
    const source = 'export const hello = "é";\n';
    const { base } = await setup(tempFile(source));
    const first = await fetch(`${base}/client.js`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(await first.text()).toBe(source);

    const again = await fetch(`${base}/client.js`, { headers: { 'if-none-match': etag } });
    expect([again.status, again.headers.get('etag'), await again.text()]).toEqual([304, etag, '']);
    const weak = await fetch(`${base}/client.js`, { headers: { 'if-none-match': `"other", W/${etag}` } });
    expect(weak.status).toBe(304);
    const stale = await fetch(`${base}/client.js`, { headers: { 'if-none-match': '"other"' } });
    expect(stale.status).toBe(200);
    const head = await fetch(`${base}/client.js`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length')]).toEqual([200, String(Buffer.byteLength(source))]);
  });

  it('answers 500 with a clear message while the bundle is missing', async () => {
    const { base } = await setup(join(tmpdir(), 'switchboard-no-such-dir', 'client.bundle.js'));
    const response = await fetch(`${base}/client.js`);
    expect(response.status).toBe(500);
    expect(await response.text()).toMatch(/browser client bundle is missing .*client\.bundle\.js/);
  });

  it('looks for the bundle in client/ next to the compiled mount', () => {
    expect(fileURLToPath(clientBundlePath()).split(/[\\/]/).slice(-3)).toEqual(['dist', 'client', 'client.bundle.js']);
  });
});
