// `POST <prefix>/session/<id>`: a JSON array of client messages for an SSE or poll
// session, handled in order (docs/sessions.md). The answer comes once they are handled,
// so a client that waits for it before its next POST never has more than one body's
// worth of requests waiting: the HTTP transports' flow control.
import { readRequestBody, type RequestBodyLimits } from '../long-polling/request-body.js';
import type { SseRequest, SseResponse } from '../sse/index.js';
import { refuseBody, sendEmpty, sendJson } from './http-reply.js';
import { PollSession, UNKNOWN_SESSION } from './poll-session.js';
import { countHttpMessagesIn } from '../metrics/library-metrics.js';
import type { SessionRegistry } from './session-registry.js';

const BAD_BODY = 'body must be a JSON array of switchboard.v1 client messages (objects)';

export async function handleSessionPost(
  request: SseRequest,
  response: SseResponse,
  id: string,
  registry: SessionRegistry,
  limits: RequestBodyLimits,
): Promise<void> {
  const target = registry.get(id);
  if (target === undefined) {
    sendJson(response, 404, UNKNOWN_SESSION);
    return;
  }
  const read = await readRequestBody(request, limits);
  // Close after answering: reading the rest would let the client spend our time.
  if (!read.ok) return refuseBody(request, response, read.status, read.error);
  const texts = messageTexts(read.body.toString('utf8'));
  if (texts === undefined) return sendJson(response, 400, { error: BAD_BODY });
  countHttpMessagesIn(target instanceof PollSession ? 'long-polling' : 'sse', texts.length, read.body.length);
  const { session } = target;
  if (session.isClosed) return sendJson(response, 404, UNKNOWN_SESSION);
  // Each element goes through the same validation as a WebSocket frame: a malformed one
  // gets its `error` reply on the stream, in order, and the others are handled.
  for (const text of texts) session.receive(text, Buffer.byteLength(text));
  await session.settled();
  if (session.isClosed) sendJson(response, 404, UNKNOWN_SESSION);
  else sendEmpty(response, 204);
}

/** Each element of a JSON array of objects, as its own JSON text; undefined for any other body. */
function messageTexts(body: string): string[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const texts: string[] = [];
  for (const element of value as unknown[]) {
    if (typeof element !== 'object' || element === null || Array.isArray(element)) return undefined;
    texts.push(JSON.stringify(element));
  }
  return texts;
}
