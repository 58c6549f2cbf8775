// The hub interface: the one place every transport (SSE, long polling, later WebSocket)
// reads from, so they all share channels and message ids. It is async wherever a network
// store would need to be (a Redis Streams implementation: XADD MAXLEN per channel, XRANGE
// for replay, Pub/Sub for live delivery, the epoch kept in Redis) so such a hub can replace
// the in-memory one without touching the transports.
/** The hub was closed. */
export class HubClosedError extends Error {
    name = 'HubClosedError';
}
/** A call broke one of the hub's limits or rules (channel name, message size, channel count). */
export class HubInputError extends RangeError {
    name = 'HubInputError';
}
export const MAX_CHANNEL_NAME_LENGTH = 256;
/** Longest `data` a hub accepts unless told otherwise (`maxDataLength`), in UTF-16 code units. */
export const DEFAULT_MAX_DATA_LENGTH = 1024 * 1024;
/**
 * Default send-buffer limit of a stream fed by a hub (SSE, pub/sub over WebSocket), in
 * bytes: eight messages of the largest default size, so a client's pace trips it rather than
 * one large message (a 1 MiB event on a fresh TCP connection is mostly still queued when
 * written). Past it the stream ends and the client resumes from its last id; see
 * docs/limits.md for every transport's limit.
 */
export const HUB_STREAM_MAX_BUFFERED_AMOUNT = 8 * DEFAULT_MAX_DATA_LENGTH;
/**
 * Longest resume position (SSE `Last-Event-ID`, long-poll `cursor`) a transport takes from
 * a client, checked before it answers. Ids of this format are at most 81 characters; a
 * longer one is not an id this server issued, and the cap keeps a client from making the
 * server parse or echo (in a gap notice) an arbitrarily long string.
 */
export const MAX_CURSOR_LENGTH = 1024;
// Ids are `<epoch>-<offset>`: short, ordered within an epoch, and safe as an SSE id.
const ID_PATTERN = /^([0-9A-Za-z_]{1,64})-(0|[1-9][0-9]{0,15})$/;
export function formatMessageId(epoch, offset) {
    return `${epoch}-${offset}`;
}
/** Parses an id back into its position, or null when it is not one this format produces. */
export function parseMessageId(id) {
    const match = ID_PATTERN.exec(id);
    if (match === null)
        return null;
    const offset = Number(match[2]);
    if (!Number.isSafeInteger(offset))
        return null;
    return { epoch: match[1], offset };
}
/** Epochs are used inside ids, so they are limited to characters the id format allows. */
export function isValidEpoch(epoch) {
    return /^[0-9A-Za-z_]{1,64}$/.test(epoch);
}
export function validateChannelName(channel) {
    if (typeof channel !== 'string' || channel.length === 0 || channel.length > MAX_CHANNEL_NAME_LENGTH) {
        throw new HubInputError(`channel must be a string of 1 to ${MAX_CHANNEL_NAME_LENGTH} characters`);
    }
}
/** True when a client's resume position is longer than `MAX_CURSOR_LENGTH`: answer 400. */
export function isCursorTooLong(cursor) {
    return cursor !== undefined && cursor.length > MAX_CURSOR_LENGTH;
}
/**
 * The rules of `Hub.publish`, shared by every implementation so they refuse the same input
 * with the same HubInputError: a valid channel name, `data` a string of at most
 * `maxDataLength` UTF-16 code units, `event` absent or a string.
 */
export function validatePublishInput(channel, message, maxDataLength) {
    validateChannelName(channel);
    const input = (typeof message === 'object' && message !== null ? message : {});
    if (typeof input.data !== 'string')
        throw new HubInputError('message.data must be a string');
    if (input.data.length > maxDataLength)
        throw new HubInputError(`message.data exceeds maxDataLength (${maxDataLength})`);
    if (input.event !== undefined && typeof input.event !== 'string')
        throw new HubInputError('message.event must be a string');
}
export function gapNotice(event) {
    return { reason: event.reason, since: event.since, firstAvailableId: event.firstAvailableId };
}
//# sourceMappingURL=contract.js.map