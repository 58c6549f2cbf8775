// The pure parts of presence: member encoding and its limits, the event wire format and
// its parser, presence channel names.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HubInputError } from '../../../src/protocol/hub/contract.js';
import {
  PRESENCE_DEFAULTS,
  encodeMember,
  isPresenceChannel,
  leaveEventData,
  parsePresenceEvent,
  presenceChannel,
  presenceEventData,
  resolvePresenceLimits,
  validateConnectionId,
} from '../../../src/protocol/hub/presence.js';

const limits = resolvePresenceLimits();

describe('presence wire', () => {
  it('round-trips any member through join, update and leave events', () => {
    const info = fc.jsonValue().filter((value) => JSON.stringify(value).length <= limits.maxInfoLength);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 50 }), fc.option(info, { nil: undefined }), (id, value) => {
        const given = value === undefined ? { id } : { id, info: value };
        const { json } = encodeMember(given, limits);
        // What JSON can carry: a -0 anywhere in the info arrives as 0.
        const member = JSON.parse(JSON.stringify(given)) as typeof given;
        expect(JSON.parse(json)).toEqual(member);
        expect(parsePresenceEvent(presenceEventData('join', json))).toEqual({ type: 'join', member });
        expect(parsePresenceEvent(presenceEventData('update', json))).toEqual({ type: 'update', member });
        expect(parsePresenceEvent(leaveEventData(id))).toEqual({ type: 'leave', member: { id } });
      }),
    );
  });

  it('parses only presence events', () => {
    for (const data of ['', 'nope', '1', 'null', '{}', '{"type":"join"}', '{"type":"join","member":{}}', '{"type":"wave","member":{"id":"a"}}', '{"type":"join","member":null}']) {
      expect(parsePresenceEvent(data)).toBeNull();
    }
    expect(parsePresenceEvent('{"type":"leave","member":{"id":"a","info":1}}')).toEqual({ type: 'leave', member: { id: 'a' } });
  });

  it('refuses members that are not small plain JSON', () => {
    const refuse = (member: unknown, message: RegExp): void => {
      expect(() => encodeMember(member, limits)).toThrow(HubInputError);
      expect(() => encodeMember(member, limits)).toThrow(message);
    };
    refuse(null, /member.id/);
    refuse({ id: 3 }, /member.id/);
    refuse({ id: 'x'.repeat(257) }, /member.id must be a string of 1 to 256/);
    refuse({ id: 'a', info: Infinity }, /must be JSON/);
    refuse({ id: 'a', info: { when: new Date(0) } }, /must be JSON/);
    refuse({ id: 'a', info: [() => 1] }, /must be JSON/);
    refuse({ id: 'a', info: 10n }, /must be JSON/);
    refuse({ id: 'a', info: { self: undefined } }, /must be JSON/);
    const deep: unknown[] = [];
    let cursor = deep;
    for (let i = 0; i < 40; i++) cursor = (cursor[0] = []) as unknown[];
    refuse({ id: 'a', info: deep }, /must be JSON/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    refuse({ id: 'a', info: cyclic }, /must be JSON/);
    refuse({ id: 'a', info: 'x'.repeat(1100) }, /maxInfoLength \(1024\)/);
    expect(encodeMember({ id: 'a', info: Object.assign(Object.create(null) as object, { k: 1 }) }, limits).json).toBe('{"id":"a","info":{"k":1}}');
  });

  it('names presence channels under the prefix and checks rooms and connection ids', () => {
    expect(PRESENCE_DEFAULTS.channelPrefix).toBe('$presence:');
    expect(presenceChannel('lobby', limits)).toBe('$presence:lobby');
    expect(isPresenceChannel('$presence:lobby', limits)).toBe(true);
    expect(isPresenceChannel('lobby', limits)).toBe(false);
    expect(() => presenceChannel('r'.repeat(247), limits)).toThrow(/room must be at most 246 characters/);
    expect(() => validateConnectionId('')).toThrow(/connection must be a string of 1 to 256/);
    expect(() => validateConnectionId(7)).toThrow(HubInputError);
    expect(() => resolvePresenceLimits({ channelPrefix: 'p'.repeat(256) })).toThrow(/channelPrefix/);
    expect(() => resolvePresenceLimits({ maxInfoLength: 1.5 })).toThrow(/maxInfoLength must be a positive integer/);
    expect(resolvePresenceLimits({ leaveDelayMs: 0 }).leaveDelayMs).toBe(0);
  });
});
