import { describe, expect, it } from 'vitest';
import {
  CloseHandshake,
  MAX_CLOSE_REASON_BYTES,
  ProtocolError,
  encodeClosePayload,
  isValidCloseCode,
  parseClosePayload,
} from '../../../src/protocol/websocket/index.js';

describe('close payloads (§5.5.1, §7.4)', () => {
  it('encodes a code and reason and reads them back', () => {
    const payload = encodeClosePayload(4001, 'going to lunch ☕');
    expect(payload.readUInt16BE(0)).toBe(4001);
    expect(parseClosePayload(payload)).toEqual({ code: 4001, reason: 'going to lunch ☕' });
  });

  it('encodes no code as an empty payload, which reads as 1005', () => {
    expect(encodeClosePayload()).toHaveLength(0);
    expect(parseClosePayload(Buffer.alloc(0))).toEqual({ code: 1005, reason: '' });
  });

  it('refuses codes that may not be sent, a reason without a code, and reasons over 123 bytes', () => {
    for (const code of [999, 1004, 1005, 1006, 1015, 2000, 5000, 1000.5]) {
      expect(() => encodeClosePayload(code)).toThrow(RangeError);
    }
    expect(() => encodeClosePayload(undefined, 'why')).toThrow(TypeError);
    expect(() => encodeClosePayload(1000, 'é'.repeat(62))).toThrow(RangeError);
    expect(encodeClosePayload(1000, 'x'.repeat(MAX_CLOSE_REASON_BYTES))).toHaveLength(125);
  });

  it('the valid set is exactly 1000–1003, 1007–1014 and 3000–4999', () => {
    const valid = [];
    for (let code = 0; code < 6000; code++) if (isValidCloseCode(code)) valid.push(code);
    expect(valid.length).toBe(4 + 8 + 2000);
    expect(valid.slice(0, 12)).toEqual([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014]);
    expect(valid.at(-1)).toBe(4999);
  });

  it('a 1-byte payload, a bad code or a bad reason is a ProtocolError with the right code', () => {
    const failure = (payload: Buffer) => {
      try {
        parseClosePayload(payload);
      } catch (error) {
        return (error as ProtocolError).closeCode;
      }
      return undefined;
    };
    expect(failure(Buffer.from([3]))).toBe(1002);
    expect(failure(Buffer.from([0x03, 0xee]))).toBe(1002);
    expect(failure(Buffer.from([0x03, 0xe8, 0xff]))).toBe(1007);
  });
});

describe('the closing handshake (§7)', () => {
  it('we close first: open → closing → closed, clean', () => {
    const close = new CloseHandshake();
    expect(close.state).toBe('open');
    expect(close.close(1000, 'bye')).toEqual(encodeClosePayload(1000, 'bye'));
    expect(close.state).toBe('closing');
    expect(close.initiator).toBe('local');
    expect(close.close(1001)).toBeUndefined();
    expect(close.receive(1000, 'ok')).toBeUndefined();
    expect(close.state).toBe('closed');
    expect(close.outcome()).toEqual({ code: 1000, reason: 'ok', wasClean: true });
  });

  it('the peer closes first: we echo its code (§5.5.1)', () => {
    const close = new CloseHandshake();
    expect(close.receive(4000, 'done')).toEqual(encodeClosePayload(4000));
    expect(close.state).toBe('closed');
    expect(close.initiator).toBe('remote');
    expect(close.close(1000)).toBeUndefined();
    expect(close.receive(1000, 'again')).toBeUndefined();
    expect(close.outcome()).toEqual({ code: 4000, reason: 'done', wasClean: true });
  });

  it('a close frame with no code is answered with an empty one', () => {
    const close = new CloseHandshake();
    expect(close.receive(1005, '')).toEqual(Buffer.alloc(0));
    expect(close.outcome()).toEqual({ code: 1005, reason: '', wasClean: true });
  });

  it('no close frame from the peer: 1006, not clean (§7.1.5)', () => {
    const close = new CloseHandshake();
    expect(close.outcome()).toEqual({ code: 1006, reason: '', wasClean: false });
    close.close(1002, 'protocol error');
    expect(close.outcome()).toEqual({ code: 1006, reason: '', wasClean: false });
  });

  it('an invalid code leaves the state untouched', () => {
    const close = new CloseHandshake();
    expect(() => close.close(1005)).toThrow(RangeError);
    expect(close.state).toBe('open');
  });
});
