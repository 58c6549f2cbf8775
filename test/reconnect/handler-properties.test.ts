import { describe, expect, it } from 'vitest';
import { HandlerProperties } from '../../src/reconnect/handler-properties.js';

describe('HandlerProperties (the on<event> properties)', () => {
  it('holds one listener per event, replaced on assignment and removed by a non-function', () => {
    const target = new EventTarget();
    const slots = new HandlerProperties(target);
    const calls: string[] = [];
    const first = (): void => void calls.push('first');
    const second = (): void => void calls.push('second');
    expect(slots.get('open')).toBeNull();
    slots.set('open', first);
    slots.set('open', second);
    expect(slots.get('open')).toBe(second);
    target.dispatchEvent(new Event('open'));
    slots.set('open', null);
    expect(slots.get('open')).toBeNull();
    target.dispatchEvent(new Event('open'));
    expect(calls).toEqual(['second']);
  });
});
