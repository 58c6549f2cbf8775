// A model of the poll session's queue: whatever order polls, messages, event-loop turns
// and clients giving up come in, every poll gets one answer, at most one is held, and the
// messages reach the client once each, in order, never in an answer to a poll it gave up.
import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryHub } from '../../src/hub/index.js';
import type { MountContext } from '../../src/mount/mount-context.js';
import { PollSession } from '../../src/mount/poll-session.js';
import { SessionRegistry } from '../../src/mount/session-registry.js';
import { resolveSessionSettings } from '../../src/pubsub/pubsub-server.js';
import type { SseRequest, SseResponse } from '../../src/sse/index.js';

class FakeResponse extends EventEmitter {
  headersSent = false;
  status = 0;
  body = '';
  answers = 0;
  gone = false;
  writeHead(status: number): this {
    this.status = status;
    this.headersSent = true;
    return this;
  }
  end(text = ''): this {
    this.answers++;
    this.body = text;
    return this;
  }
}

type Command = { type: 'poll' } | { type: 'send' } | { type: 'tick' } | { type: 'gone' };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.constant({ type: 'poll' } as const),
  fc.constant({ type: 'send' } as const),
  fc.constant({ type: 'tick' } as const),
  fc.constant({ type: 'gone' } as const),
);

describe('poll session (model)', () => {
  it('answers each poll once and delivers each message once, in order', async () => {
    const hub = new MemoryHub();
    const settings = resolveSessionSettings<SseRequest>({ hub, heartbeatInterval: 2 ** 30 });
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 40 }), async (commands) => {
        const registry = new SessionRegistry();
        const context: MountContext = { settings, registry, heartbeatInterval: 2 ** 30, maxQueuedBytes: 1 << 20, sessionTimeout: 2 ** 30 };
        const session = new PollSession({ headers: {} } as SseRequest, context);
        const opened = new FakeResponse();
        session.open(opened as unknown as SseResponse);
        const responses: FakeResponse[] = [];
        let sent = 0;
        const unanswered = (): FakeResponse[] => responses.filter((r) => r.answers === 0 && !r.gone);
        for (const step of commands) {
          if (step.type === 'poll') {
            const response = new FakeResponse();
            responses.push(response);
            session.poll(response as unknown as SseResponse);
          } else if (step.type === 'send') {
            expect(session.sendText(JSON.stringify({ n: sent++ }))).toBe(true);
          } else if (step.type === 'tick') {
            await new Promise((resolve) => setImmediate(resolve));
          } else {
            const held = unanswered()[0];
            if (held !== undefined) {
              held.gone = true;
              held.emit('close');
            }
          }
          expect(unanswered().length).toBeLessThanOrEqual(1);
        }
        const heldAtEnd = unanswered().length === 1;
        session.close();
        expect(registry.size).toBe(0);
        const delivered: number[] = [];
        for (const response of responses) {
          if (response.gone) {
            expect(response.answers).toBe(0);
            continue;
          }
          expect(response.answers).toBe(1);
          expect(response.status).toBe(200);
          const body = JSON.parse(response.body) as { messages: { n: number }[] };
          delivered.push(...body.messages.map((m) => m.n));
        }
        // Once each, in order; all of them if a poll was held when the session closed.
        const all = Array.from({ length: sent }, (_, i) => i);
        expect(delivered).toEqual(all.slice(0, delivered.length));
        if (heldAtEnd) expect(delivered).toEqual(all);
      }),
      { numRuns: 300 },
    );
    await hub.close();
  });
});
