/** Checks a parsed `GET` body, so a client never acts on a malformed answer. */
export function isLongPollResponse(value) {
    if (typeof value !== 'object' || value === null)
        return false;
    const body = value;
    if (typeof body.cursor !== 'string' || !Array.isArray(body.messages))
        return false;
    for (const message of body.messages) {
        if (typeof message !== 'object' || message === null)
            return false;
        const m = message;
        if (typeof m.id !== 'string' || typeof m.data !== 'string')
            return false;
        if (m.event !== undefined && typeof m.event !== 'string')
            return false;
    }
    if (body.gap !== undefined) {
        if (typeof body.gap !== 'object' || body.gap === null)
            return false;
        const gap = body.gap;
        if (typeof gap.reason !== 'string' || typeof gap.since !== 'string')
            return false;
        if (gap.firstAvailableId !== null && typeof gap.firstAvailableId !== 'string')
            return false;
    }
    return true;
}
/** Checks a parsed `POST` body. */
export function isLongPollPost(value) {
    if (typeof value !== 'object' || value === null)
        return false;
    const body = value;
    return typeof body.data === 'string' && (body.event === undefined || typeof body.event === 'string');
}
//# sourceMappingURL=wire.js.map