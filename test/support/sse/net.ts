// Small helpers for SSE / long-polling tests: servers on 127.0.0.1, readers, waiting.
import { get, type IncomingMessage, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventStreamParser, type SseParseItem } from '../../../src/protocol/sse/index.js';

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes the server and every connection still open, so the test run can exit. */
export async function shut(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Polls `check` until it is true; fails with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface StreamReader {
  readonly response: IncomingMessage;
  readonly items: SseParseItem[];
  /** Raw text received so far. */
  text: string;
  ended: boolean;
  close(): void;
}

/** GETs an event stream and parses it with the project's parser. */
export function readStream(url: string, headers: OutgoingHttpHeaders = {}): Promise<StreamReader> {
  return new Promise((resolve, reject) => {
    const request = get(url, { headers }, (response) => {
      const parser = new EventStreamParser();
      const reader: StreamReader = {
        response,
        items: [],
        text: '',
        ended: false,
        close: () => request.destroy(),
      };
      response.on('data', (chunk: Buffer) => {
        reader.text += chunk.toString('utf8');
        reader.items.push(...parser.push(chunk));
      });
      const end = (): void => {
        reader.ended = true;
      };
      response.on('end', end);
      response.on('close', end);
      response.on('error', end);
      resolve(reader);
    });
    request.on('error', reject);
  });
}

/** The `event` items of a reader, as [type, data, lastEventId]. */
export function eventsOf(items: readonly SseParseItem[]): [string, string, string][] {
  return items.flatMap((item) => (item.type === 'event' ? [[item.event, item.data, item.lastEventId] as [string, string, string]] : []));
}
