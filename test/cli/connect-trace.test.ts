import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer as WsServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryIo } from '../support/cli/memory-io.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('switchboard connect --trace', () => {
  it('prints its own handshake and frames both ways, decoded, between the usual output', async () => {
    const server = new WsServer({ port: 0, host: '127.0.0.1' });
    await once(server, 'listening');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    server.on('connection', (ws) => ws.on('message', (data) => ws.send(String(data))));
    const memory = memoryIo();
    memory.stdin.end('hello\n/close 1000 bye\n');
    const status = await runCli(['connect', '--trace', `ws://127.0.0.1:${(server.address() as AddressInfo).port}/x`], memory.io);
    expect(status).toBe(0);
    const lines = memory.stdout().split('\n');
    const traced = lines.filter((line) => line.startsWith('trace ')).map((line) => line.replace(/^trace +\+[\d.]+ms ws-\d+ /, ''));
    expect(traced.filter((line) => !line.startsWith('trace '))).toEqual([
      'client → server HTTP head [' + traced[0].match(/\[(\d+) B\]/)![1] + ' B]',
      'server → client HTTP head [129 B, rebuilt from the parsed head]',
      expect.stringMatching(/^client → server text FIN MASK key [0-9a-f]{8}, 5-byte payload \(7-bit length\) "hello" \[11 B\]$/),
      expect.stringMatching(/^client → server ping FIN MASK key/),
      'server → client text FIN unmasked, 5-byte payload (7-bit length) "hello" [7 B]',
      expect.stringMatching(/^server → client pong FIN unmasked/),
      expect.stringMatching(/^client → server close FIN MASK key [0-9a-f]{8}, 5-byte payload \(7-bit length\) close 1000 "bye" \[11 B\]$/),
      'server → client close FIN unmasked, 5-byte payload (7-bit length) close 1000 "bye" [7 B]',
      'end',
    ]);
    expect(lines).toContain('trace                   | GET /x HTTP/1.1');
    expect(lines).toContain('trace                   810568656c6c6f');
    expect(lines).toContain('< hello');
  });
});
