import { type ClientHttp2Session, connect } from 'node:http2';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';

/** A session shared by the client WebSockets to one origin, closed when the last one is gone. */
interface Shared {
  origin: string;
  session: ClientHttp2Session;
  /** Whether the server's first SETTINGS allowed extended CONNECT (RFC 8441 §3); false if the session failed first. */
  connectAllowed: Promise<boolean>;
  /** The answer of `connectAllowed`, once known. */
  allowed?: boolean;
  users: number;
}

const shared = new Map<string, Shared>();
const known = new WeakMap<ClientHttp2Session, Promise<boolean>>();

/**
 * Whether `session`'s server allows extended CONNECT: as soon as its SETTINGS
 * arrive (at once when they did). False when the session fails or closes first,
 * or the settings do not arrive within `timeout` ms.
 */
export function connectAllowed(session: ClientHttp2Session, timeout: number): Promise<boolean> {
  if (session.remoteSettings.enableConnectProtocol === true) return Promise.resolve(true);
  let answer = known.get(session);
  if (!answer) {
    answer = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => finish(false), timeout);
      const onSettings = (): void => finish(session.remoteSettings.enableConnectProtocol === true);
      const onGone = (): void => finish(false);
      const finish = (allowed: boolean): void => {
        clearTimeout(timer);
        session.off('remoteSettings', onSettings);
        session.off('error', onGone);
        session.off('close', onGone);
        resolve(allowed);
      };
      session.on('remoteSettings', onSettings);
      session.on('error', onGone);
      session.on('close', onGone);
    });
    known.set(session, answer);
  }
  return answer;
}

/** The session of `origin` (`https://host:port` or `http://host:port` for h2c), opened if need be; counts one user. */
export function takeSession(origin: string, tls: TlsConnectionOptions | undefined, timeout: number): Shared {
  let entry = shared.get(origin);
  if (!entry || entry.session.closed || entry.session.destroyed) {
    const session = connect(origin, { ...tls });
    // A session that failed to connect is an answer (fall back to HTTP/1.1), not a crash.
    session.on('error', () => {});
    session.once('close', () => {
      if (shared.get(origin)?.session === session) shared.delete(origin);
    });
    const created: Shared = { origin, session, connectAllowed: connectAllowed(session, timeout), users: 0 };
    created.connectAllowed.then((allowed) => (created.allowed = allowed));
    shared.set(origin, created);
    entry = created;
  }
  entry.users++;
  return entry;
}

/** Whether a shared session to `origin` is open and its server allows extended CONNECT. */
export function hasSharedSession(origin: string): boolean {
  const entry = shared.get(origin);
  return entry !== undefined && entry.allowed === true && !entry.session.closed && !entry.session.destroyed;
}

/** One user of a shared session is done; the last one closes it (GOAWAY, after its streams end). */
export function releaseSession(entry: Shared): void {
  if (--entry.users > 0) return;
  if (shared.get(entry.origin) === entry) shared.delete(entry.origin);
  if (!entry.session.closed) entry.session.close();
}

export type { Shared as SharedSession };
