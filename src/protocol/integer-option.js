// The check every numeric limit of the library goes through when it is configured, so a
// bad option fails at construction with one wording, not at the first message.
/** `value` when it is a safe integer >= 1; a RangeError naming the option otherwise. */
export function positiveInteger(value, name) {
    if (!Number.isSafeInteger(value) || value < 1)
        throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
    return value;
}
/** `value` when it is a safe integer >= 0; a RangeError naming the option otherwise. */
export function nonNegativeInteger(value, name) {
    if (!Number.isSafeInteger(value) || value < 0)
        throw new RangeError(`${name} must be a non-negative integer, got ${String(value)}`);
    return value;
}
//# sourceMappingURL=integer-option.js.map