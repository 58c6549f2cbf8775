// The sessions of the HTTP transports (SSE, long polling), by id: a `POST` or a poll
// names its session by the id, which is the capability that binds it (docs/sessions.md).
import { randomBytes } from 'node:crypto';
/** 128 random bits, base64url (RFC 4648 §5): unguessable, and safe in a URL path. */
export function newSessionId() {
    return randomBytes(16).toString('base64url');
}
export class SessionRegistry {
    sessions = new Map();
    get size() {
        return this.sessions.size;
    }
    get(id) {
        return this.sessions.get(id);
    }
    add(session) {
        this.sessions.set(session.id, session);
    }
    /** Forgets `session` (it ended); a later request naming its id gets 404. */
    delete(session) {
        if (this.sessions.get(session.id) === session)
            this.sessions.delete(session.id);
    }
    closeAll() {
        for (const session of [...this.sessions.values()])
            session.close();
        this.sessions.clear();
    }
}
//# sourceMappingURL=session-registry.js.map