// The WHATWG `on<event>` properties (onopen, onmessage…) of an EventTarget: each holds at
// most one listener, which assigning replaces and assigning anything but a function
// removes (HTML's event handler attributes, without the string form).
export type Listener = ((event: Event) => void) | null;

export class HandlerProperties {
  private readonly listeners = new Map<string, (event: Event) => void>();

  constructor(private readonly target: EventTarget) {}

  get(type: string): Listener {
    return this.listeners.get(type) ?? null;
  }

  set(type: string, listener: Listener): void {
    const previous = this.listeners.get(type);
    if (previous) this.target.removeEventListener(type, previous);
    if (typeof listener !== 'function') {
      this.listeners.delete(type);
      return;
    }
    this.listeners.set(type, listener);
    this.target.addEventListener(type, listener);
  }
}
