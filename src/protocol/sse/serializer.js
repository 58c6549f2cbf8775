// Serializer for the `text/event-stream` format (WHATWG HTML §9.2.5 "Parsing an event
// stream" defines what the reader accepts; this writes only what it reads back exactly).
// Pure: strings in, strings out.
/** Thrown for an event that cannot be written without the reader seeing something else. */
export class SseSerializeError extends TypeError {
    name = 'SseSerializeError';
}
// Every line terminator the reader accepts (§9.2.5: CRLF, LF or CR).
const LINE_BREAK = /\r\n|\r|\n/;
const CR_OR_LF = /[\r\n]/;
const CR_LF_OR_NUL = /[\r\n\0]/;
/** `data` as one `data:` line per line of text, so the reader joins them back with LF. */
export function serializeData(data) {
    let out = '';
    for (const line of data.split(LINE_BREAK))
        out += `data: ${line}\n`;
    return out;
}
/** The fields of one event followed by the blank line that dispatches it. */
export function serializeEvent(init) {
    let out = '';
    if (init.event !== undefined) {
        if (CR_OR_LF.test(init.event))
            throw new SseSerializeError('SSE event type must not contain CR or LF');
        out += `event: ${init.event}\n`;
    }
    if (init.id !== undefined) {
        if (CR_LF_OR_NUL.test(init.id))
            throw new SseSerializeError('SSE id must not contain CR, LF or NUL');
        out += `id: ${init.id}\n`;
    }
    if (init.retry !== undefined)
        out += serializeRetryField(init.retry);
    if (init.data !== undefined)
        out += serializeData(init.data);
    return `${out}\n`;
}
/** A `retry:` field on its own; the reader applies it at once, no blank line needed (§9.2.6). */
export function serializeRetry(retryMs) {
    return serializeRetryField(retryMs);
}
function serializeRetryField(retryMs) {
    // The reader accepts ASCII digits only (§9.2.6 "retry"), so no sign, fraction or exponent.
    if (!Number.isSafeInteger(retryMs) || retryMs < 0) {
        throw new SseSerializeError(`SSE retry must be a non-negative safe integer, got ${String(retryMs)}`);
    }
    return `retry: ${retryMs}\n`;
}
/** A comment: ignored by readers, useful as a keep-alive. Multi-line text becomes several comment lines. */
export function serializeComment(text = '') {
    let out = '';
    for (const line of text.split(LINE_BREAK))
        out += line === '' ? ':\n' : `: ${line}\n`;
    return out;
}
//# sourceMappingURL=serializer.js.map