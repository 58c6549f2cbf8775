export class HandlerProperties {
    target;
    listeners = new Map();
    constructor(target) {
        this.target = target;
    }
    get(type) {
        return this.listeners.get(type) ?? null;
    }
    set(type, listener) {
        const previous = this.listeners.get(type);
        if (previous)
            this.target.removeEventListener(type, previous);
        if (typeof listener !== 'function') {
            this.listeners.delete(type);
            return;
        }
        this.listeners.set(type, listener);
        this.target.addEventListener(type, listener);
    }
}
//# sourceMappingURL=handler-properties.js.map