// The prototype of the listener store: no inherited keys, so `emit('toString')`
// finds no listener, yet its instances keep fast (in-object) properties.
const NO_INHERITED_KEYS = Object.create(null);
/**
 * EventEmitter starts every instance with a dictionary-mode listener store
 * (184 B); a fast object with slots for the usual events takes 56 B. Node's own
 * streams do the same for their `_events`.
 */
export function listenerSlots() {
    const slots = Object.create(NO_INHERITED_KEYS);
    slots.message = undefined;
    slots.close = undefined;
    slots.error = undefined;
    slots.open = undefined;
    return slots;
}
//# sourceMappingURL=listener-slots.js.map