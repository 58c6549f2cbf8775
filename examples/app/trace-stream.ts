// GET /app/trace/events: the wire trace of one viewer's connections as an event
// stream, one trace event (docs/inspector.md) per SSE message, history first. This
// stream is not traced itself. A viewer that cannot keep up loses the stream (the
// browser's EventSource reconnects and starts again from the kept history), so a
// slow page never makes the server buffer without bound.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { subscribeTrace } from 'switchboard';
import { serializeEvent } from 'switchboard/protocol';

/** Bytes of events waiting to be sent before the stream is dropped. */
const MAX_BUFFERED = 4 * 1024 * 1024;

export function serveTraceStream(request: IncomingMessage, response: ServerResponse, viewer: string | undefined): void {
  if (viewer === undefined) {
    response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"no viewer: load the page first (it sets the sb_member cookie)"}');
    return;
  }
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
  response.write(': the wire trace of your connections\n\n');
  const stop = subscribeTrace({ label: viewer }, (event) => {
    if (response.writableLength > MAX_BUFFERED) {
      stop();
      response.destroy();
      return;
    }
    response.write(serializeEvent({ data: JSON.stringify(event) }));
  });
  request.socket.setTimeout(0);
  response.once('close', stop);
}
