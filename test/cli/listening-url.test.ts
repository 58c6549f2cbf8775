import { describe, expect, it } from 'vitest';
import { listeningUrl } from '../../src/cli/listening-url.js';

describe('listeningUrl', () => {
  it('writes IPv4 plainly and IPv6 in brackets', () => {
    expect(listeningUrl('ws', { address: '127.0.0.1', family: 'IPv4', port: 9001 })).toBe('ws://127.0.0.1:9001');
    expect(listeningUrl('http', { address: '::1', family: 'IPv6', port: 8080 })).toBe('http://[::1]:8080');
  });

  it('refuses a server that is not listening on a TCP port', () => {
    expect(() => listeningUrl('ws', null)).toThrow('not listening on a TCP port');
    expect(() => listeningUrl('ws', '/tmp/socket')).toThrow('not listening on a TCP port');
  });
});
