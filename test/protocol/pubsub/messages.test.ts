import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PUBSUB_LIMITS,
  PUBSUB_PROTOCOL,
  encodeClientMessage,
  encodeServerMessage,
  parseClientMessage,
  parseServerMessage,
  resolvePubSubLimits,
  type ServerMessage,
} from '../../../src/protocol/pubsub/index.js';

const client = (value: unknown) => parseClientMessage(JSON.stringify(value));
const server = (value: unknown) => parseServerMessage(JSON.stringify(value));
const reason = (result: { ok: boolean; reason?: string }) => (result.ok ? 'ok' : result.reason);

describe('switchboard.v1: client messages', () => {
  it('names the subprotocol', () => {
    expect(PUBSUB_PROTOCOL).toBe('switchboard.v1');
  });

  it('parses subscribe, unsubscribe and publish, ignoring unknown fields', () => {
    expect(client({ type: 'subscribe', channel: 'c' })).toEqual({ ok: true, message: { type: 'subscribe', channel: 'c' } });
    expect(client({ type: 'subscribe', channel: 'c', since: 'e-1', extra: 1 })).toEqual({ ok: true, message: { type: 'subscribe', channel: 'c', since: 'e-1' } });
    expect(client({ type: 'unsubscribe', channel: 'c' })).toEqual({ ok: true, message: { type: 'unsubscribe', channel: 'c' } });
    expect(client({ type: 'publish', channel: 'c', data: '' })).toEqual({ ok: true, message: { type: 'publish', channel: 'c', data: '' } });
    expect(client({ type: 'publish', channel: 'c', data: 'd', event: 'e', ref: 'r' })).toEqual({
      ok: true,
      message: { type: 'publish', channel: 'c', data: 'd', event: 'e', ref: 'r' },
    });
  });

  it('rejects what is not a JSON object', () => {
    expect(reason(parseClientMessage('nope'))).toBe('not valid JSON');
    for (const text of ['[]', 'null', '3', '"s"']) expect(reason(parseClientMessage(text))).toBe('a message must be a JSON object');
    expect(reason(parseClientMessage(42 as unknown as string))).toBe('a message must be a JSON text frame');
    const long = JSON.stringify({ type: 'publish', channel: 'c', data: 'x'.repeat(100) });
    expect(reason(parseClientMessage(long, resolvePubSubLimits({ maxTextLength: 50 })))).toBe('message longer than 50 characters');
  });

  it('rejects unknown or missing types', () => {
    expect(reason(client({ type: 'dance' }))).toBe('unknown message type "dance"');
    expect(reason(client({ type: 7 }))).toBe('missing "type"');
    expect(reason(client({}))).toBe('missing "type"');
  });

  it('checks every field, and returns the ref and channel it could read', () => {
    expect(client({ type: 'subscribe' })).toEqual({ ok: false, reason: '"channel" must be a string' });
    expect(client({ type: 'subscribe', channel: '' })).toEqual({ ok: false, reason: '"channel" must not be empty' });
    expect(reason(client({ type: 'subscribe', channel: 'x'.repeat(257) }))).toBe('"channel" longer than 256 characters');
    expect(client({ type: 'subscribe', channel: 'c', since: 5 })).toEqual({ ok: false, reason: '"since" must be a string', channel: 'c' });
    expect(reason(client({ type: 'subscribe', channel: 'c', since: '' }))).toBe('"since" must not be empty');
    expect(reason(client({ type: 'subscribe', channel: 'c', since: 'x'.repeat(129) }))).toBe('"since" longer than 128 characters');
    expect(reason(client({ type: 'unsubscribe', channel: null }))).toBe('"channel" must be a string');
    expect(client({ type: 'publish', channel: 'c', ref: 'r' })).toEqual({ ok: false, reason: '"data" must be a string', ref: 'r', channel: 'c' });
    expect(reason(client({ type: 'publish', channel: 'c', data: 'd', event: '' }))).toBe('"event" must not be empty');
    expect(reason(client({ type: 'publish', channel: 'c', data: 'd', event: 'a\rb' }))).toBe('"event" must not contain CR or LF');
    expect(reason(client({ type: 'publish', channel: 'c', data: 'd', event: 'a\nb' }))).toBe('"event" must not contain CR or LF');
    expect(reason(client({ type: 'publish', channel: 'c', data: 'd', event: 'e'.repeat(257) }))).toBe('"event" longer than 256 characters');
    expect(reason(client({ type: 'publish', channel: 'c', data: 'd', ref: '' }))).toBe('"ref" must not be empty');
    // A ref or channel that is itself invalid is not echoed.
    expect(client({ type: 'publish', channel: '', data: 'd', ref: 'r'.repeat(129) })).toEqual({ ok: false, reason: '"channel" must not be empty' });
    expect(client({ type: 'publish', channel: 3, data: 'd', ref: 4 })).toEqual({ ok: false, reason: '"channel" must be a string' });
  });

  it('takes its limits as options and refuses meaningless ones', () => {
    const limits = resolvePubSubLimits({ maxChannelLength: 2, maxRefLength: 1 });
    expect(limits).toEqual({ ...DEFAULT_PUBSUB_LIMITS, maxChannelLength: 2, maxRefLength: 1 });
    expect(resolvePubSubLimits()).toEqual(DEFAULT_PUBSUB_LIMITS);
    expect(reason(parseClientMessage('{"type":"subscribe","channel":"abc"}', limits))).toBe('"channel" longer than 2 characters');
    expect(parseClientMessage('{"type":"publish","channel":"ab","ref":"rr"}', limits)).toEqual({ ok: false, reason: '"data" must be a string', channel: 'ab' });
    expect(() => resolvePubSubLimits({ maxTextLength: 0 })).toThrow('maxTextLength must be a positive integer, got 0');
    expect(() => resolvePubSubLimits({ maxIdLength: 1.5 })).toThrow(RangeError);
  });

  it('encodes with type first and optional fields left out', () => {
    expect(encodeClientMessage({ type: 'subscribe', channel: 'c' })).toBe('{"type":"subscribe","channel":"c"}');
    expect(encodeClientMessage({ type: 'subscribe', channel: 'c', since: 'e-1' })).toBe('{"type":"subscribe","channel":"c","since":"e-1"}');
    expect(encodeClientMessage({ type: 'unsubscribe', channel: 'c' })).toBe('{"type":"unsubscribe","channel":"c"}');
    expect(encodeClientMessage({ type: 'publish', channel: 'c', data: 'd', event: 'e', ref: 'r' })).toBe(
      '{"type":"publish","channel":"c","data":"d","event":"e","ref":"r"}',
    );
  });
});

describe('switchboard.v1: server messages', () => {
  const examples: ServerMessage[] = [
    { type: 'message', channel: 'c', id: 'e-1', data: 'd' },
    { type: 'message', channel: 'c', id: 'e-2', data: '', event: 'note' },
    { type: 'gap', channel: 'c', since: 'old-3', reason: 'epoch-changed', firstAvailableId: 'e-1' },
    { type: 'gap', channel: 'c', since: 'e-0', reason: 'expired', firstAvailableId: null },
    { type: 'subscribed', channel: 'c', headId: 'e-0' },
    { type: 'unsubscribed', channel: 'c' },
    { type: 'published', ref: 'r', id: 'e-4' },
    { type: 'error', code: 'bad-request', message: 'not valid JSON' },
    { type: 'error', ref: 'r', channel: 'c', code: 'forbidden', message: '' },
    { type: 'ping', interval: 25000 },
    { type: 'restart', retry: 0 },
    { type: 'restart', retry: 7000 },
  ];

  it('round-trips every message type', () => {
    for (const message of examples) expect(parseServerMessage(encodeServerMessage(message))).toEqual({ ok: true, message });
  });

  it('encodes with type first', () => {
    expect(encodeServerMessage(examples[0])).toBe('{"type":"message","channel":"c","id":"e-1","data":"d"}');
    expect(encodeServerMessage(examples[3])).toBe('{"type":"gap","channel":"c","since":"e-0","reason":"expired","firstAvailableId":null}');
    expect(encodeServerMessage(examples[7])).toBe('{"type":"error","code":"bad-request","message":"not valid JSON"}');
  });

  it('rejects malformed server messages', () => {
    expect(reason(parseServerMessage('{'))).toBe('not valid JSON');
    expect(reason(server({ type: 'hello' }))).toBe('unknown message type "hello"');
    expect(reason(server({ type: null }))).toBe('missing "type"');
    expect(reason(server({ type: 'message', channel: 'c', id: 'e-1' }))).toBe('"data" must be a string');
    expect(reason(server({ type: 'gap', channel: 'c', since: 's', reason: 'lost', firstAvailableId: null }))).toBe('unknown gap reason "lost"');
    expect(reason(server({ type: 'gap', channel: 'c', since: 's', reason: 'expired' }))).toBe('"firstAvailableId" must be a string or null');
    expect(reason(server({ type: 'gap', channel: 'c', since: 's', reason: 'expired', firstAvailableId: '' }))).toBe('"firstAvailableId" must be a string or null');
    expect(reason(server({ type: 'subscribed', channel: 'c' }))).toBe('"headId" must be a string');
    expect(reason(server({ type: 'unsubscribed' }))).toBe('"channel" must be a string');
    expect(reason(server({ type: 'published', ref: 'r' }))).toBe('"id" must be a string');
    expect(reason(server({ type: 'error', code: 'oops', message: 'm' }))).toBe('unknown error code "oops"');
    expect(reason(server({ type: 'error', code: 'forbidden' }))).toBe('"message" must be a string');
    expect(reason(server({ type: 'error', ref: 1, code: 'forbidden', message: 'm' }))).toBe('"ref" must be a string');
    for (const interval of [undefined, 0, -5, 1.5, '25000', Number.MAX_VALUE]) {
      expect(reason(server({ type: 'ping', interval }))).toBe('"interval" must be a positive integer');
    }
    for (const retry of [undefined, -1, 0.5, '100', Number.MAX_VALUE]) {
      expect(reason(server({ type: 'restart', retry }))).toBe('"retry" must be a non-negative integer');
    }
  });

  it('encodes the heartbeat ping', () => {
    expect(encodeServerMessage({ type: 'ping', interval: 25000 })).toBe('{"type":"ping","interval":25000}');
    expect(encodeServerMessage({ type: 'restart', retry: 7000 })).toBe('{"type":"restart","retry":7000}');
  });
});

describe('switchboard.v1: bugs are not input errors', () => {
  it('lets an error that is not about the input through', () => {
    const broken = {
      ...DEFAULT_PUBSUB_LIMITS,
      get maxEventLength(): number {
        throw new TypeError('broken limits');
      },
    };
    expect(() => parseClientMessage('{"type":"publish","channel":"c","data":"d"}', broken)).toThrow('broken limits');
  });
});
