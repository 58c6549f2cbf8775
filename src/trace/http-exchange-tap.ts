import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { reasonPhrase } from '../protocol/http-status.js';
import { ConnectionTrace } from './connection-trace.js';
import { rebuildHead } from './socket-tap.js';
import type { TraceTransport } from './trace-events.js';
import { type TraceOption, decideTrace } from './trace-option.js';

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

/**
 * Traces one HTTP exchange (an event stream, a poll) as text: the request
 * head (rebuilt from Node's parse) and body, the response head and every piece
 * of body as written (SSE events as they go out). Like the socket tap, it is a
 * `write`/`end` of the response's own, so an untraced response pays nothing.
 * Returns the trace (`id`, `events`, `subscribe`).
 */
export function traceHttpExchange(request: AnyRequest, response: AnyResponse, transport: Exclude<TraceTransport, 'websocket'>, label?: string): ConnectionTrace {
  const trace = new ConnectionTrace({ transport, label });
  trace.head('client', rebuildHead(`${request.method} ${request.url} HTTP/${request.httpVersion}`, request.rawHeaders), false);
  (request as IncomingMessage).prependListener('data', (chunk: Buffer | string) => trace.body('client', String(chunk)));
  let headSeen = false;
  const record = (chunk: unknown, encoding: unknown): void => {
    if (!headSeen) {
      headSeen = true;
      const head = responseHead(request, response);
      trace.head('server', head.text, head.exact);
    }
    if (typeof chunk === 'string') trace.body('server', chunk);
    else if (chunk instanceof Uint8Array) trace.body('server', Buffer.from(chunk).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
  };
  const target = response as unknown as Record<'write' | 'end', (...args: unknown[]) => unknown>;
  const write = target.write;
  const end = target.end;
  target.write = function tracedWrite(this: unknown, ...args: unknown[]) {
    record(args[0], args[1]);
    return write.apply(this, args);
  };
  target.end = function tracedEnd(this: unknown, ...args: unknown[]) {
    record(typeof args[0] === 'function' ? undefined : args[0], args[1]);
    return end.apply(this, args);
  };
  (response as ServerResponse).once('close', () => trace.end());
  return trace;
}

/**
 * Node's own head text when there is one (HTTP/1.1: the exact bytes), else rebuilt from
 * the status and headers: HTTP/2, or HTTP/1.1 on a runtime without Node's private
 * `_header` (Bun), with the request's version and the status's reason phrase.
 */
function responseHead(request: AnyRequest, response: AnyResponse): { text: string; exact: boolean } {
  const raw = (response as { _header?: unknown })._header;
  if (typeof raw === 'string' && raw !== '') return { text: raw, exact: true };
  const lines: string[] = [];
  for (const [name, value] of Object.entries(response.getHeaders())) {
    for (const one of Array.isArray(value) ? value : [value]) lines.push(name, String(one));
  }
  const status = request.httpVersionMajor >= 2 ? `HTTP/2 ${response.statusCode}` : `HTTP/${request.httpVersion} ${response.statusCode} ${(response as ServerResponse).statusMessage || reasonPhrase(response.statusCode)}`;
  return { text: rebuildHead(status, lines), exact: false };
}

/** `traceHttpExchange` when `option` says this request is traced (trace-option.ts). */
export function traceExchange<Request extends AnyRequest>(
  option: TraceOption<Request>,
  request: Request,
  response: AnyResponse,
  transport: Exclude<TraceTransport, 'websocket'>,
): ConnectionTrace | undefined {
  const decided = decideTrace(option, request);
  return decided && traceHttpExchange(request, response, transport, decided.label);
}
