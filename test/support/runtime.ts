// Which runtime runs the tests (`npm run test:bun`, `npm run test:deno`; docs/runtimes.md),
// for the few expectations that depend on it: each use says why.
import { Socket } from 'node:net';

export type Runtime = 'node' | 'bun' | 'deno';

export const RUNTIME: Runtime = process.versions.bun !== undefined ? 'bun' : process.versions.deno !== undefined ? 'deno' : 'node';

/**
 * A `net.Socket`'s default `writableHighWaterMark`, the mark past which a send answers
 * 'queued': 16 KiB on Node 20, 64 KiB on Node ≥ 22, Bun and Deno.
 */
export const SOCKET_HIGH_WATER_MARK: number = new Socket().writableHighWaterMark;
