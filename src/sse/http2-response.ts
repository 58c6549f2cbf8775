import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';

/**
 * Whether a response is one of `node:http2`'s compatibility API, told by the `stream`
 * it carries (node:http's responses have none, on Node, Bun and Deno) rather than by
 * `instanceof Http2ServerResponse`: that needs `node:http2` loaded, and an application
 * serving only HTTP/1.1 would load it for nothing (on Bun, 14 ms of start-up and
 * 1.2 MB of heap; docs/runtimes-benchmarks.md).
 */
export function isHttp2Response(response: ServerResponse | Http2ServerResponse): response is Http2ServerResponse {
  return 'stream' in response;
}
