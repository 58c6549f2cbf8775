// JavaScript can throw anything; callbacks that promise an `Error` (onError, `error`
// events, failure replies) get one. This is the one place that conversion is written.
/** `value` itself when it is an Error, otherwise an Error whose message is `String(value)`. */
export function asError(value) {
    if (value instanceof Error)
        return value;
    try {
        return new Error(String(value));
    }
    catch {
        // String() throws for objects without a usable toString (Object.create(null)).
        return new Error('a value that is not an Error was thrown');
    }
}
//# sourceMappingURL=errors.js.map