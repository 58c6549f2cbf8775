// Incremental `text/event-stream` parser: WHATWG HTML §9.2.5 "Parsing an event stream"
// and §9.2.6 "Interpreting an event stream". Pure: bytes or text in, items out; it keeps
// only the unfinished line and the event being built, both bounded by `maxEventSize`.
/** The stream broke a limit of this parser; the connection should be dropped. */
export class SseParseError extends RangeError {
    name = 'SseParseError';
}
/**
 * The hub's largest data by default (1 MiB, `DEFAULT_MAX_DATA_LENGTH`) plus room for what
 * the count also holds: the field name of the line being read (`data: `), the line feed
 * after each data line, and an `id:` or `event:` line. A limit of exactly 1 MiB refused the
 * largest message the hub accepts.
 */
export const DEFAULT_MAX_EVENT_SIZE = 1024 * 1024 + 1024;
const LINE_END = /[\r\n]/g;
const DIGITS_ONLY = /^[0-9]+$/;
const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
export class EventStreamParser {
    // §9.2.5: the stream is UTF-8 whatever the headers say; invalid bytes become U+FFFD, and
    // one leading BOM is dropped (TextDecoder does both, across chunk boundaries too).
    decoder = new TextDecoder('utf-8');
    maxEventSize;
    started = false;
    line = '';
    // A chunk ended in CR: if the next one starts with LF, that LF belongs to the same CRLF.
    afterCR = false;
    dataBuffer = '';
    eventTypeBuffer = '';
    lastEventIdBuffer;
    committedLastEventId;
    constructor(options = {}) {
        const max = options.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE;
        if (!Number.isSafeInteger(max) || max < 1)
            throw new RangeError(`maxEventSize must be a positive integer, got ${String(max)}`);
        this.maxEventSize = max;
        this.lastEventIdBuffer = options.initialLastEventId ?? '';
        this.committedLastEventId = this.lastEventIdBuffer;
    }
    /** The "last event ID string": the ID buffer as of the last dispatch (§9.2.6). */
    get lastEventId() {
        return this.committedLastEventId;
    }
    /** Feeds raw bytes; a UTF-8 sequence split across chunks is joined. */
    push(chunk) {
        return this.pushText(this.decoder.decode(chunk, { stream: true }));
    }
    /** Feeds already-decoded text (a leading U+FEFF at the very start is dropped). */
    pushText(text) {
        const out = [];
        if (text === '')
            return out;
        if (!this.started) {
            this.started = true;
            if (text.charCodeAt(0) === 0xfeff)
                text = text.slice(1);
        }
        let start = 0;
        if (this.afterCR) {
            this.afterCR = false;
            if (text.charCodeAt(0) === LF)
                start = 1;
        }
        for (;;) {
            LINE_END.lastIndex = start;
            const match = LINE_END.exec(text);
            if (match === null) {
                this.line += text.slice(start);
                this.checkSize();
                return out;
            }
            const end = match.index;
            const line = this.line === '' ? text.slice(start, end) : this.line + text.slice(start, end);
            this.line = '';
            this.processLine(line, out);
            if (text.charCodeAt(end) === CR) {
                if (end + 1 === text.length)
                    this.afterCR = true;
                else if (text.charCodeAt(end + 1) === LF)
                    start = end + 2;
                else
                    start = end + 1;
                if (this.afterCR)
                    return out;
            }
            else {
                start = end + 1;
            }
        }
    }
    /**
     * The stream ended. §9.2.5: pending data is discarded, so an event without its final
     * blank line is never dispatched. Returns nothing but is kept symmetrical with `push`.
     */
    end() {
        this.decoder.decode();
        this.line = '';
        this.afterCR = false;
        this.dataBuffer = '';
        this.eventTypeBuffer = '';
        return [];
    }
    processLine(line, out) {
        if (line === '') {
            this.dispatch(out);
            return;
        }
        const colon = line.indexOf(':');
        if (colon === 0) {
            out.push({ type: 'comment', text: line.charCodeAt(1) === SPACE ? line.slice(2) : line.slice(1) });
            return;
        }
        // A line without a colon is a field name with an empty value.
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = '';
        if (colon !== -1)
            value = line.charCodeAt(colon + 1) === SPACE ? line.slice(colon + 2) : line.slice(colon + 1);
        switch (field) {
            case 'event':
                this.eventTypeBuffer = value;
                return;
            case 'data':
                this.dataBuffer += `${value}\n`;
                this.checkSize();
                return;
            case 'id':
                // An id with NUL is ignored rather than truncated (§9.2.6 "id").
                if (!value.includes('\0'))
                    this.lastEventIdBuffer = value;
                return;
            case 'retry':
                if (DIGITS_ONLY.test(value))
                    out.push({ type: 'retry', retry: Number.parseInt(value, 10) });
                return;
            default:
                // Unknown fields are ignored (§9.2.6 "Otherwise").
                return;
        }
    }
    dispatch(out) {
        // §9.2.6 "dispatch the event": the ID is committed even when no event fires.
        this.committedLastEventId = this.lastEventIdBuffer;
        if (this.dataBuffer === '') {
            this.eventTypeBuffer = '';
            return;
        }
        const data = this.dataBuffer.slice(0, -1);
        const event = this.eventTypeBuffer === '' ? 'message' : this.eventTypeBuffer;
        this.dataBuffer = '';
        this.eventTypeBuffer = '';
        out.push({ type: 'event', event, data, lastEventId: this.committedLastEventId });
    }
    checkSize() {
        if (this.line.length + this.dataBuffer.length > this.maxEventSize) {
            const size = this.line.length + this.dataBuffer.length;
            this.line = '';
            this.dataBuffer = '';
            throw new SseParseError(`SSE event exceeds maxEventSize (${size} > ${this.maxEventSize} code units)`);
        }
    }
}
//# sourceMappingURL=parser.js.map