// Answers of the mount, the same over node:http and the node:http2 compatibility API.
import type { OutgoingHttpHeaders } from 'node:http';
import { Http2ServerResponse } from 'node:http2';
import type { SseResponse } from '../sse/index.js';
import { writeHead } from '../sse/write-head.js';

export type MountResponse = SseResponse;

/** A JSON answer, never cached: every answer of a session is about now. */
export function sendJson(response: MountResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  sendJsonText(response, status, JSON.stringify(body), headers);
}

/** `sendJson` with the body already serialized (a poll answer joins messages already encoded). */
export function sendJsonText(response: MountResponse, status: number, text: string, headers: OutgoingHttpHeaders = {}): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  writeHead(response, status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

export function sendEmpty(response: MountResponse, status: number, headers: OutgoingHttpHeaders = {}): void {
  writeHead(response, status, headers);
  response.end();
}

/**
 * `connection: close` where HTTP/1.1 has it: after a body refused half-read, so the rest
 * is never read. HTTP/2 forbids connection-specific headers (RFC 9113 §8.2.2); there the
 * stream alone ends.
 */
export function closeConnectionHeader(response: MountResponse): OutgoingHttpHeaders {
  return response instanceof Http2ServerResponse ? {} : { connection: 'close' };
}
