import { describe, expect, it } from 'vitest';
import { OfflineQueue, byteLength, type Outgoing } from '../../src/reconnect/offline-queue.js';
import type { DropReason } from '../../src/reconnect/index.js';

function queue(maxMessages: number, maxBytes: number) {
  const drops: Array<[Outgoing, DropReason]> = [];
  return { queue: new OfflineQueue({ maxMessages, maxBytes }, (item, reason) => drops.push([item, reason])), drops };
}
const item = (data: string, ref?: string): Outgoing => ({ data, bytes: byteLength(data), ref });

describe('OfflineQueue', () => {
  it('counts text in UTF-8 bytes and binary in its length', () => {
    expect(byteLength('é€')).toBe(5);
    expect(byteLength(new Uint8Array(7))).toBe(7);
    expect(byteLength(new ArrayBuffer(3))).toBe(3);
  });

  it('keeps up to maxMessages, and drops the next one as queue-full', () => {
    const { queue: q, drops } = queue(2, 1000);
    const [a, b, c] = [item('a'), item('b'), item('c')];
    expect([q.keep(a), q.keep(b), q.keep(c)]).toEqual(['queued', 'queued', 'dropped']);
    expect(drops).toEqual([[c, 'queue-full']]);
    expect([q.length, q.bytes]).toEqual([2, 2]);
  });

  it('keeps up to maxBytes exactly, and drops what would go past it', () => {
    const { queue: q, drops } = queue(100, 5);
    expect(q.keep(item('abc'))).toBe('queued');
    const big = item('xyz');
    expect(q.keep(big)).toBe('dropped');
    expect(q.keep(item('de'))).toBe('queued');
    expect(drops).toEqual([[big, 'queue-full']]);
    expect(q.bytes).toBe(5);
  });

  it('hands over everything, oldest first, and is empty after', () => {
    const { queue: q } = queue(10, 100);
    const items = [item('1'), item('2'), item('3')];
    for (const i of items) q.keep(i);
    expect(q.take()).toEqual(items);
    expect([q.length, q.bytes]).toEqual([0, 0]);
    expect(q.take()).toEqual([]);
  });

  it('drops everything with the reason given, oldest first, emptied before the first report', () => {
    const reports: Array<[string, DropReason, number]> = [];
    const q: OfflineQueue = new OfflineQueue({ maxMessages: 10, maxBytes: 100 }, (dropped, reason) => reports.push([dropped.data as string, reason, q.length]));
    q.keep(item('1'));
    q.keep(item('2'));
    q.dropAll('closed');
    expect(reports).toEqual([
      ['1', 'closed', 0],
      ['2', 'closed', 0],
    ]);
    expect(q.bytes).toBe(0);
  });

  it('tells whether a publish is still waiting in the queue', () => {
    const { queue: q } = queue(10, 100);
    q.keep(item('p', '7'));
    expect(q.holds('7')).toBe(true);
    expect(q.holds('8')).toBe(false);
    q.take();
    expect(q.holds('7')).toBe(false);
  });
});
