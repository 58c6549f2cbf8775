import { describe, expect, it } from 'vitest';
import { flushOutgoing } from '../../src/websocket/adapter-operations.js';
import { flushSoon } from '../../src/websocket/flush-queue.js';

// The connections' shared flush: everything scheduled in one turn is flushed on the
// next tick, in order, and one flush that throws does not strand the others.

const tick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

function flushable(name: string, log: string[], fail = false): { [flushOutgoing](): void } {
  return {
    [flushOutgoing]() {
      log.push(name);
      if (fail) throw new Error(`${name} failed`);
    },
  };
}

describe('flushSoon', () => {
  it('flushes the connections of one turn after the turn, in the order they were scheduled', async () => {
    const log: string[] = [];
    flushSoon(flushable('a', log));
    flushSoon(flushable('b', log));
    flushSoon(flushable('c', log));
    expect(log).toEqual([]);
    await tick();
    expect(log).toEqual(['a', 'b', 'c']);
  });

  it('flushes one scheduled during a flush on a later tick', async () => {
    const log: string[] = [];
    const late = flushable('late', log);
    flushSoon({
      [flushOutgoing]() {
        log.push('first');
        flushSoon(late);
      },
    });
    await tick();
    await tick();
    expect(log).toEqual(['first', 'late']);
  });

  it('still flushes the others when one throws', async () => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.once('uncaughtException', (error) => errors.push(error));
    try {
      flushSoon(flushable('a', log));
      flushSoon(flushable('b', log, true));
      flushSoon(flushable('c', log));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      for (const listener of listeners) process.on('uncaughtException', listener);
    }
    expect(log).toEqual(['a', 'b', 'c']);
    expect(errors).toHaveLength(1);
  });
});
