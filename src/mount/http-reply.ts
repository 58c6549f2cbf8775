// Answers of the mount, the same over node:http and the node:http2 compatibility API.
import type { OutgoingHttpHeaders } from 'node:http';
import type { SseRequest, SseResponse } from '../sse/index.js';
import { writeHead } from '../sse/write-head.js';
import { isHttp2Response } from '../sse/http2-response.js';

/** NO_ERROR (RFC 9113 §7), a number rather than `node:http2`'s constant: see isHttp2Response. */
const NO_ERROR = 0x0;

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
 * Answers a request whose body is refused half-read (too large, too slow), so that the
 * rest is never read. HTTP/1.1: `connection: close`. HTTP/2 forbids that header (RFC 9113
 * §8.2.2); there the stream is reset with NO_ERROR once the answer is out, which tells the
 * client to stop sending the body (RFC 9113 §8.1).
 */
export function refuseBody(request: SseRequest, response: MountResponse, status: number, error: string): void {
  if (!isHttp2Response(response)) {
    sendJson(response, status, { error }, { connection: 'close' });
    return;
  }
  sendJson(response, status, { error });
  // With NO_ERROR the reset waits until the answer is written (RFC 9113 §8.1: the client
  // must then stop sending). Until it lands, what arrives is dropped unread: a paused
  // request would keep the client's flow-control window shut, and the stream open.
  request.resume();
  response.stream.close(NO_ERROR);
}
