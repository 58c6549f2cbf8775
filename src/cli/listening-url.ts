import type { AddressInfo } from 'node:net';

/** The URL a server listening at `address` answers on, e.g. ws://127.0.0.1:9001. */
export function listeningUrl(scheme: 'ws' | 'wss' | 'http', address: AddressInfo | string | null): string {
  if (address === null || typeof address === 'string') throw new Error('The server is not listening on a TCP port');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}
