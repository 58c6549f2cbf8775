// How the Redis hub stores a message: the stream entry holds `t` (publishedAt) and `b`
// (the body: JSON of data and event), and the Pub/Sub payload is
// `<epoch> <offset> <publishedAt> <body>`, so live and replayed messages decode the same way.
import { formatMessageId, isValidEpoch } from '../protocol/hub/contract.js';
export function encodeBody(message) {
    const body = message.event === undefined ? { d: message.data } : { d: message.data, e: message.event };
    return JSON.stringify(body);
}
function decodeBody(text) {
    let value;
    try {
        value = JSON.parse(text);
    }
    catch {
        return null;
    }
    if (typeof value !== 'object' || value === null)
        return null;
    const { d, e } = value;
    if (typeof d !== 'string' || (e !== undefined && typeof e !== 'string'))
        return null;
    return e === undefined ? { d } : { d, e };
}
function toMessage(channel, epoch, offset, publishedAt, body) {
    return {
        channel,
        id: formatMessageId(epoch, offset),
        epoch,
        offset,
        ...(body.e === undefined ? {} : { event: body.e }),
        data: body.d,
        publishedAt,
    };
}
const toInteger = (text) => (/^(0|[1-9][0-9]{0,15})$/.test(text) ? Number(text) : null);
/** Decodes a Pub/Sub payload; null when it is not one the publish script wrote. */
export function decodeLivePayload(channel, payload) {
    const match = /^(\S+) (\S+) (\S+) ([\s\S]*)$/.exec(payload);
    if (match === null || !isValidEpoch(match[1]))
        return null;
    const offset = toInteger(match[2]);
    const publishedAt = toInteger(match[3]);
    const body = decodeBody(match[4]);
    if (offset === null || publishedAt === null || body === null)
        return null;
    return toMessage(channel, match[1], offset, publishedAt, body);
}
/** Decodes one XRANGE entry: `[id, [field, value, ...]]`; null when it is malformed. */
export function decodeStreamEntry(channel, epoch, entry) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1]))
        return null;
    const offset = toInteger(entry[0].replace(/-0$/, ''));
    const fields = entry[1];
    let publishedAt = null;
    let body = null;
    for (let i = 0; i + 1 < fields.length; i += 2) {
        const value = fields[i + 1];
        if (typeof value !== 'string')
            continue;
        if (fields[i] === 't')
            publishedAt = toInteger(value);
        else if (fields[i] === 'b')
            body = decodeBody(value);
    }
    if (offset === null || publishedAt === null || body === null)
        return null;
    return toMessage(channel, epoch, offset, publishedAt, body);
}
//# sourceMappingURL=redis-message-codec.js.map