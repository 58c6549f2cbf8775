// A session carried by one event stream (docs/sessions.md, "SSE"): a `session` event
// first with the id the client's `POST`s name, then one unnamed event per server message,
// its JSON in one `data:` line (JSON text has no raw line break). No `id:` fields:
// resumption is per channel (`since`), never by Last-Event-ID. A drain ends the stream
// with a `retry:` field, the client's wait before it comes back (docs/scaling.md).
import { serializeEvent, serializeRetry } from '../protocol/sse/index.js';
import { frameText } from '../pubsub/frame-text.js';
import { PubSubSession, type SessionTransport } from '../pubsub/pubsub-session.js';
import { SseStream, type SseRequest, type SseResponse } from '../sse/index.js';
import type { MountContext } from './mount-context.js';
import { newSessionId, type HttpSession } from './session-registry.js';

// The event of a shared fan-out frame, serialized once for every stream it goes to.
const frameEvents = new WeakMap<Buffer, string>();

function frameEvent(frame: Buffer): string {
  let text = frameEvents.get(frame);
  if (text === undefined) {
    text = serializeEvent({ data: frameText(frame) });
    frameEvents.set(frame, text);
  }
  return text;
}

class SseTransport implements SessionTransport {
  constructor(private readonly stream: SseStream) {}

  // A stream past its bound of unsent bytes ends itself ('slow-client') and says false.
  sendText(text: string): boolean {
    return this.stream.writeRaw(serializeEvent({ data: text }));
  }

  sendFrame(frame: Buffer): boolean {
    return this.stream.writeRaw(frameEvent(frame));
  }

  // A `POST` is answered once its requests are handled: that is the flow control.
  pauseRequests(): void {}

  resumeRequests(): void {}

  ended(): void {
    this.stream.close();
  }
}

export function openSseSession(request: SseRequest, response: SseResponse, context: MountContext): HttpSession {
  const stream = new SseStream(response, {
    // No `retry:` up front: an EventSource must not reconnect into a new, empty session.
    retryMs: null,
    // The `ping` messages keep the path awake; comments would be redundant.
    keepAliveMs: 0,
    maxBufferedAmount: context.maxQueuedBytes,
  });
  const id = newSessionId();
  const session = new PubSubSession(new SseTransport(stream), request, context.settings);
  const httpSession: HttpSession = {
    id,
    session,
    close: () => {
      session.close();
      stream.close();
    },
    // The client waits `retry` before its next attempt, then resumes each channel from its last id.
    restart: (retryMs) => {
      session.close();
      stream.writeRaw(serializeRetry(retryMs) + '\n');
      stream.close();
    },
  };
  context.registry.add(httpSession);
  stream.onClose(() => {
    session.close();
    context.registry.delete(httpSession);
  });
  stream.send({ event: 'session', data: JSON.stringify({ session: id, interval: context.heartbeatInterval }) });
  session.start();
  return httpSession;
}
