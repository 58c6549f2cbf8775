import { describe, expect, it } from 'vitest';
import { PublishTracker } from '../../src/reconnect/publish-tracker.js';
import { PublishError } from '../../src/reconnect/index.js';

describe('PublishTracker', () => {
  it('gives each publish a new ref and resolves it with the id of its acknowledgement', async () => {
    const tracker = new PublishTracker(10);
    const [r1, r2] = [tracker.nextRef(), tracker.nextRef()];
    expect(r1).not.toBe(r2);
    const sent: boolean[] = [];
    const first = tracker.track(r1, (overLimit) => sent.push(overLimit));
    const second = tracker.track(r2, (overLimit) => sent.push(overLimit));
    expect(sent).toEqual([false, false]);
    expect(tracker.size).toBe(2);
    tracker.settle(r2, 'e-2');
    tracker.settle(r1, new PublishError('forbidden', 'no'));
    await expect(second).resolves.toBe('e-2');
    await expect(first).rejects.toMatchObject({ name: 'PublishError', code: 'forbidden', message: 'no' });
    expect(tracker.size).toBe(0);
  });

  it('ignores an answer to a ref that no longer waits', async () => {
    const tracker = new PublishTracker(10);
    const ref = tracker.nextRef();
    const waiting = tracker.track(ref, () => {});
    tracker.settle(ref, 'e-1');
    tracker.settle(ref, new PublishError('publish-failed', 'late'));
    tracker.settle('unknown', 'e-9');
    await expect(waiting).resolves.toBe('e-1');
  });

  it('tells the sender when the waiting list goes past its bound', async () => {
    const tracker = new PublishTracker(1);
    const seen: boolean[] = [];
    tracker.track(tracker.nextRef(), (overLimit) => seen.push(overLimit));
    const ref = tracker.nextRef();
    const refused = tracker.track(ref, (overLimit) => {
      seen.push(overLimit);
      tracker.settle(ref, new PublishError('queue-full', 'publish dropped: queue-full'));
    });
    expect(seen).toEqual([false, true]);
    await expect(refused).rejects.toMatchObject({ code: 'queue-full' });
    expect(tracker.size).toBe(1);
  });

  it('on a lost connection, rejects what was sent and keeps what is still queued', async () => {
    const tracker = new PublishTracker(10);
    const [sent, queued] = [tracker.nextRef(), tracker.nextRef()];
    const sentPublish = tracker.track(sent, () => {});
    const queuedPublish = tracker.track(queued, () => {});
    tracker.connectionLost((ref) => ref === queued);
    await expect(sentPublish).rejects.toMatchObject({ code: 'connection-lost' });
    expect(tracker.size).toBe(1);
    tracker.settle(queued, 'e-5');
    await expect(queuedPublish).resolves.toBe('e-5');
  });
});
