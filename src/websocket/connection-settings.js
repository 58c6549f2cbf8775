import { DEFAULT_MAX_FRAGMENTS, DEFAULT_MAX_PAYLOAD } from '../protocol/websocket/index.js';
export function resolveSettings(role, options, mask) {
    return {
        role,
        maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
        maxFragments: options.maxFragments ?? DEFAULT_MAX_FRAGMENTS,
        maxBufferedAmount: options.maxBufferedAmount ?? 64 * 1024 * 1024,
        onBufferLimit: options.onBufferLimit ?? 'close',
        maxUnsentPongs: options.maxUnsentPongs ?? 32,
        closeTimeout: options.closeTimeout ?? 30_000,
        framesPerTurn: positive('framesPerTurn', options.framesPerTurn ?? DEFAULT_FRAMES_PER_TURN),
        maxMessagesPerSecond: positive('maxMessagesPerSecond', options.maxMessagesPerSecond ?? Infinity),
        mask,
    };
}
export const DEFAULT_FRAMES_PER_TURN = 256;
function positive(name, value) {
    if (!(value > 0))
        throw new RangeError(`${name} must be a positive number, got ${value}`);
    return value;
}
//# sourceMappingURL=connection-settings.js.map