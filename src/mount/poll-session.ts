// A session carried by a chain of polls (docs/sessions.md, "Long polling"). Messages wait
// in a bounded queue between polls; a poll takes everything queued, at once if there is
// anything, or is held until something arrives (the heartbeat's `ping` comes within an
// interval, so no poll is held longer). A session with no poll for `sessionTimeout` after
// its last answer ends, and so does one whose queue outgrows `maxQueuedBytes`. A drain
// (graceful restart) answers the next empty poll 503 with `Retry-After`.
import { frameText } from '../pubsub/frame-text.js';
import { PubSubSession, type SessionTransport } from '../pubsub/pubsub-session.js';
import type { SseRequest, SseResponse } from '../sse/index.js';
import { sendJson, sendJsonText } from './http-reply.js';
import type { MountContext } from './mount-context.js';
import { newSessionId, type HttpSession } from './session-registry.js';
import { countBackpressure, countPollAnswer, countPollHeld, countPollReleased } from '../metrics/library-metrics.js';

export const UNKNOWN_SESSION = Object.freeze({ error: 'unknown session' });

export class PollSession implements HttpSession, SessionTransport {
  readonly id = newSessionId();
  readonly session: PubSubSession<SseRequest>;
  /** JSON texts of the server messages not yet answered, in order. */
  private queue: string[] = [];
  private queuedBytes = 0;
  private held: SseResponse | undefined;
  private flush: NodeJS.Immediate | undefined;
  private idle: NodeJS.Timeout | undefined;
  private over = false;
  /** Set by a drain: the ms the client is told to wait, on the next poll that finds the queue empty. */
  private retryAfter: number | undefined;

  constructor(
    request: SseRequest,
    private readonly context: MountContext,
  ) {
    this.session = new PubSubSession(this, request, context.settings);
  }

  /** Opens the session and answers its first poll at once, with the id and the first `ping`. */
  open(response: SseResponse): void {
    this.context.registry.add(this);
    this.session.start();
    const head = `"session":${JSON.stringify(this.id)},"interval":${this.context.heartbeatInterval}`;
    sendJsonText(response, 200, `{${head},"messages":[${this.take()}]}`);
    this.startIdle();
  }

  /** A poll: answered now if anything is queued, else held. */
  poll(response: SseResponse): void {
    if (this.over) {
      sendJson(response, 404, UNKNOWN_SESSION);
      return;
    }
    clearTimeout(this.idle);
    this.idle = undefined;
    // One poll at a time: the one held is answered now, empty; the queue is kept for the
    // newer poll, the one the client is reading, so nothing is lost to an abandoned one.
    const previous = this.release();
    if (previous !== undefined) sendJsonText(previous, 200, '{"messages":[]}');
    if (this.queue.length > 0) {
      sendJsonText(response, 200, `{"messages":[${this.take()}]}`);
      this.startIdle();
      return;
    }
    if (this.retryAfter !== undefined) {
      this.answerRestart(response);
      return;
    }
    this.held = response;
    countPollHeld();
    response.on('close', this.onHeldClose);
  }

  // ---- SessionTransport ----

  sendText(text: string): boolean {
    const bytes = Buffer.byteLength(text);
    if (this.queuedBytes + bytes > this.context.maxQueuedBytes) {
      countBackpressure('long-polling', 'closed');
      return false;
    }
    this.queue.push(text);
    this.queuedBytes += bytes;
    // Messages of one burst (a POST's replies, a replay) go out in one answer.
    if (this.held !== undefined) this.flush ??= setImmediate(this.answerHeld);
    return true;
  }

  sendFrame(frame: Buffer): boolean {
    return this.sendText(frameText(frame));
  }

  // A `POST` is answered once its requests are handled: that is the flow control.
  pauseRequests(): void {}

  resumeRequests(): void {}

  /** The session ended on its own (too slow, too many bad requests): the next poll gets 404. */
  ended(): void {
    const held = this.release();
    this.finish();
    if (held !== undefined) sendJson(held, 404, UNKNOWN_SESSION);
  }

  // ---- HttpSession ----

  /** Server closing: a held poll gets what is queued; the next one gets 404. */
  close(): void {
    if (this.over) return;
    this.session.close();
    const held = this.release();
    if (held !== undefined) sendJsonText(held, 200, `{"messages":[${this.take()}]}`);
    this.finish();
  }

  /**
   * Drain: the session stops (nothing more is queued) and the client is told to come back
   * after `retryMs`, on the held poll or the next one, once what is queued has been taken.
   */
  restart(retryMs: number): void {
    if (this.over || this.retryAfter !== undefined) return;
    this.retryAfter = retryMs;
    this.session.close();
    const held = this.release();
    if (held === undefined) return;
    if (this.queue.length === 0) return this.answerRestart(held);
    sendJsonText(held, 200, `{"messages":[${this.take()}]}`);
    this.startIdle();
  }

  // ---- Helpers ----

  /**
   * 503 with `Retry-After` in whole seconds, rounded up so that the client never comes
   * back earlier than asked (RFC 9110 §10.2.3, §15.6.4); the session ends.
   */
  private answerRestart(response: SseResponse): void {
    const seconds = Math.ceil(this.retryAfter! / 1000);
    sendJson(response, 503, { error: 'server is restarting' }, { 'retry-after': String(seconds) });
    this.finish();
  }

  private readonly answerHeld = (): void => {
    this.flush = undefined;
    const held = this.release();
    if (held === undefined) return;
    sendJsonText(held, 200, `{"messages":[${this.take()}]}`);
    this.startIdle();
  };

  /** The client gave up its held poll (connection closed): the session waits for the next. */
  private readonly onHeldClose = (): void => {
    this.release();
    this.startIdle();
  };

  private release(): SseResponse | undefined {
    const held = this.held;
    if (held === undefined) return undefined;
    this.held = undefined;
    countPollReleased();
    held.off('close', this.onHeldClose);
    clearImmediate(this.flush);
    this.flush = undefined;
    return held;
  }

  /** The queued messages as the inside of a JSON array; the queue is emptied. */
  private take(): string {
    countPollAnswer(this.queue.length, this.queuedBytes);
    const text = this.queue.join(',');
    this.queue = [];
    this.queuedBytes = 0;
    return text;
  }

  private startIdle(): void {
    if (this.over || this.held !== undefined) return;
    clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      this.session.close();
      this.finish();
    }, this.context.sessionTimeout);
    this.idle.unref();
  }

  private finish(): void {
    if (this.over) return;
    this.over = true;
    clearTimeout(this.idle);
    this.idle = undefined;
    this.queue = [];
    this.queuedBytes = 0;
    this.context.registry.delete(this);
  }
}
