import { isUtf8 } from 'node:buffer';
/**
 * Incremental UTF-8 validation (RFC 3629 §4), for text messages that arrive in
 * fragments and chunks (RFC 6455 §5.6, §8.1). `push` returns false as soon as the
 * bytes seen so far cannot be the start of valid UTF-8 — on the first bad byte,
 * even in the middle of a code point split across chunks — so an endpoint can
 * fail the connection with 1007 without waiting for the rest of the message.
 *
 * Whole code points are checked by Node's native `isUtf8`; only the at most three
 * bytes of a code point cut by a chunk boundary go through the byte-wise state
 * machine below.
 */
export class Utf8Validator {
    /** Continuation bytes still expected for the current code point. */
    need = 0;
    /** Allowed range of the next continuation byte (narrowed after E0, ED, F0, F4). */
    low = 0x80;
    high = 0xbf;
    failed = false;
    /** Feeds `bytes[start, end)`; false once the input is known to be invalid. */
    push(bytes, start = 0, end = bytes.length) {
        if (this.failed)
            return false;
        let i = start;
        while (this.need > 0 && i < end) {
            if (!this.step(bytes[i++]))
                return false;
        }
        if (i >= end)
            return true;
        const cut = incompleteTailStart(bytes, i, end);
        if (cut - i < 16) {
            for (; i < cut; i++)
                if (!this.step(bytes[i]))
                    return false;
        }
        else if (!isUtf8(bytes.subarray(i, cut))) {
            return this.fail();
        }
        for (let k = cut; k < end; k++)
            if (!this.step(bytes[k]))
                return false;
        return true;
    }
    /** True when the input so far is complete, valid UTF-8 (no code point left open). */
    finish() {
        return !this.failed && this.need === 0;
    }
    reset() {
        this.need = 0;
        this.low = 0x80;
        this.high = 0xbf;
        this.failed = false;
    }
    fail() {
        this.failed = true;
        return false;
    }
    /** One byte through the UTF-8 state machine (the table in RFC 3629 §4). */
    step(byte) {
        if (this.need === 0) {
            if (byte < 0x80)
                return true;
            if (byte < 0xc2)
                return this.fail(); // stray continuation byte, or overlong C0/C1 lead
            if (byte < 0xe0) {
                this.need = 1;
            }
            else if (byte < 0xf0) {
                this.need = 2;
                if (byte === 0xe0)
                    this.low = 0xa0; // overlong 3-byte forms
                else if (byte === 0xed)
                    this.high = 0x9f; // UTF-16 surrogates D800–DFFF
            }
            else if (byte < 0xf5) {
                this.need = 3;
                if (byte === 0xf0)
                    this.low = 0x90; // overlong 4-byte forms
                else if (byte === 0xf4)
                    this.high = 0x8f; // above U+10FFFF
            }
            else {
                return this.fail();
            }
            return true;
        }
        if (byte < this.low || byte > this.high)
            return this.fail();
        this.need--;
        this.low = 0x80;
        this.high = 0xbf;
        return true;
    }
}
/**
 * Where the last code point of `bytes[start, end)` starts if it is cut short by
 * `end`; `end` when the range ends on a code point boundary (or on bytes that are
 * invalid anyway, which the caller's full check rejects).
 */
function incompleteTailStart(bytes, start, end) {
    const stop = Math.max(start, end - 3);
    for (let j = end - 1; j >= stop; j--) {
        const byte = bytes[j];
        if (byte < 0x80)
            return end;
        if (byte >= 0xc0) {
            const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
            return end - j < length ? j : end;
        }
    }
    return end;
}
//# sourceMappingURL=utf8-validator.js.map