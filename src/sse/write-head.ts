import type { OutgoingHttpHeaders } from 'node:http';
import { reasonPhrase } from '../protocol/http-status.js';
import type { SseResponse } from './sse-stream.js';
import { isHttp2Response } from './http2-response.js';

/**
 * Writes the status and headers with the reason phrase from the protocol core's
 * table. HTTP/2 has no reason phrase (RFC 9113 §8.3.2), and Node warns if given one.
 */
export function writeHead(response: SseResponse, status: number, headers: OutgoingHttpHeaders): void {
  if (isHttp2Response(response)) response.writeHead(status, headers);
  else response.writeHead(status, reasonPhrase(status), headers);
}
