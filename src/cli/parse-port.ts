import { UsageError } from './io.js';

/** A TCP port from the command line or the environment; 0 asks the system for a free one. */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) throw new UsageError(`Not a port number: ${text}`);
  return port;
}
