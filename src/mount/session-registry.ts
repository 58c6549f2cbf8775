// The sessions of the HTTP transports (SSE, long polling), by id: a `POST` or a poll
// names its session by the id, which is the capability that binds it (docs/sessions.md).
import { randomBytes } from 'node:crypto';
import type { PubSubSession } from '../pubsub/pubsub-session.js';
import type { SseRequest } from '../sse/index.js';

/** A session carried over HTTP requests, as the registry and a `POST` see it. */
export interface HttpSession {
  readonly id: string;
  readonly session: PubSubSession<SseRequest>;
  /** Ends the session and its carrier (server closing): a held poll is answered, a stream ended. */
  close(): void;
  /**
   * Graceful restart: ends the session telling the client to come back after `retryMs`
   * (a stream's `retry:` field; `Retry-After` on the next poll answer). It leaves the
   * registry once the client has been told (or the session timed out).
   */
  restart(retryMs: number): void;
}

/** 128 random bits, base64url (RFC 4648 §5): unguessable, and safe in a URL path. */
export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}

export class SessionRegistry {
  private readonly sessions = new Map<string, HttpSession>();
  private emptied: (() => void)[] = [];

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): HttpSession | undefined {
    return this.sessions.get(id);
  }

  add(session: HttpSession): void {
    this.sessions.set(session.id, session);
  }

  /** Forgets `session` (it ended); a later request naming its id gets 404. */
  delete(session: HttpSession): void {
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
    if (this.sessions.size === 0) this.notifyEmpty();
  }

  /** The sessions open now. */
  list(): HttpSession[] {
    return [...this.sessions.values()];
  }

  /** Settles once no session is left (at once when there is none). */
  whenEmpty(): Promise<void> {
    if (this.sessions.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptied.push(resolve));
  }

  closeAll(): void {
    for (const session of [...this.sessions.values()]) session.close();
    this.sessions.clear();
    this.notifyEmpty();
  }

  private notifyEmpty(): void {
    const waiting = this.emptied;
    this.emptied = [];
    for (const resolve of waiting) resolve();
  }
}
