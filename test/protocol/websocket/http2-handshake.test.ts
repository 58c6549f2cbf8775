import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildConnectRejection,
  buildConnectResponse,
  clientConnectHeaders,
  validateConnectResponse,
  validateExtendedConnect,
} from '../../../src/protocol/websocket/index.js';

// RFC 8441 §5's example request, as Chromium sends it (captured in
// test/websocket/http2-chromium.test.ts), reduced to what the handshake reads.
const REQUEST = {
  ':method': 'CONNECT',
  ':protocol': 'websocket',
  ':scheme': 'https',
  ':authority': 'server.example.com',
  ':path': '/chat?room=1',
  'sec-websocket-version': '13',
  'sec-websocket-protocol': 'chat, superchat',
  'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits',
  origin: 'http://www.example.com',
};

function without(name: string): Record<string, string> {
  const copy: Record<string, string> = { ...REQUEST };
  delete copy[name];
  return copy;
}

describe('validateExtendedConnect (RFC 8441 §4–5)', () => {
  it('accepts the RFC example and reads path, authority, offers and origin', () => {
    expect(validateExtendedConnect(REQUEST)).toEqual({
      ok: true,
      path: '/chat?room=1',
      authority: 'server.example.com',
      scheme: 'https',
      protocols: ['chat', 'superchat'],
      extensions: [{ name: 'permessage-deflate', params: [['client_max_window_bits', true]] }],
      origin: 'http://www.example.com',
    });
  });

  it('accepts the least a client may send: no subprotocol, extension or origin', () => {
    const minimal = { ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'http', ':authority': 'a', ':path': '/', 'sec-websocket-version': '13' };
    expect(validateExtendedConnect(minimal)).toMatchObject({ ok: true, protocols: [], extensions: [], origin: undefined });
  });

  it('takes the :protocol token case-insensitively (an upgrade token, RFC 9110 §7.8)', () => {
    expect(validateExtendedConnect({ ...REQUEST, ':protocol': 'WebSocket' }).ok).toBe(true);
  });

  it.each([
    ['a GET', { ...REQUEST, ':method': 'GET' }, 405, { allow: 'CONNECT' }],
    ['a plain CONNECT tunnel (no :protocol)', without(':protocol'), 501, {}],
    ['another :protocol', { ...REQUEST, ':protocol': 'webtransport' }, 501, {}],
    ['no :scheme', without(':scheme'), 400, {}],
    ['no :path', without(':path'), 400, {}],
    ['an empty :path', { ...REQUEST, ':path': '' }, 400, {}],
    ['no :authority', without(':authority'), 400, {}],
    ['a Connection header', { ...REQUEST, connection: 'Upgrade' }, 400, {}],
    ['an Upgrade header', { ...REQUEST, upgrade: 'websocket' }, 400, {}],
    ['a Sec-WebSocket-Key', { ...REQUEST, 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' }, 400, {}],
    ['no version', without('sec-websocket-version'), 400, { 'sec-websocket-version': '13' }],
    ['version 8', { ...REQUEST, 'sec-websocket-version': '8' }, 400, { 'sec-websocket-version': '13' }],
    ['a subprotocol that is not a token', { ...REQUEST, 'sec-websocket-protocol': 'a b' }, 400, {}],
    ['malformed extensions', { ...REQUEST, 'sec-websocket-extensions': 'permessage-deflate;;' }, 400, {}],
  ])('refuses %s', (_, headers, status, extra) => {
    const result = validateExtendedConnect(headers);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.status).toBe(status);
    expect(result.headers).toEqual(extra);
    expect(result.reason).not.toBe('');
  });

  it('never throws, whatever the header block (property)', () => {
    const value = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }));
    const names = fc.constantFrom(':method', ':protocol', ':scheme', ':path', ':authority', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions', 'origin', 'upgrade');
    fc.assert(
      fc.property(fc.dictionary(names, value), (headers) => {
        const result = validateExtendedConnect(headers);
        if (result.ok) expect(headers[':method']).toBe('CONNECT');
        else expect([400, 405, 501]).toContain(result.status);
      }),
    );
  });
});

describe('buildConnectResponse', () => {
  it('is a bare 200: no Upgrade, Connection or Sec-WebSocket-Accept (§5)', () => {
    expect(buildConnectResponse()).toEqual({ ':status': 200 });
  });

  it('names the chosen subprotocol and the accepted extensions, and lower-cases extra headers', () => {
    const block = buildConnectResponse({
      protocol: 'chat',
      extensions: [{ name: 'permessage-deflate', params: [['server_no_context_takeover', true]] }],
      headers: { 'Set-Cookie': ['a=1', 'b=2'], 'X-Id': 7 },
    });
    expect(block).toEqual({
      ':status': 200,
      'sec-websocket-protocol': 'chat',
      'sec-websocket-extensions': 'permessage-deflate; server_no_context_takeover',
      'set-cookie': ['a=1', 'b=2'],
      'x-id': '7',
    });
  });

  it('refuses a subprotocol that is not a token, and header injection', () => {
    expect(() => buildConnectResponse({ protocol: 'a b' })).toThrow(TypeError);
    expect(() => buildConnectResponse({ headers: { 'x-a': 'b\r\nx-c: d' } })).toThrow(TypeError);
    expect(() => buildConnectResponse({ headers: { 'bad name': 'x' } })).toThrow(TypeError);
  });
});

describe('buildConnectRejection', () => {
  it('says why in a plain-text body, with its length', () => {
    expect(buildConnectRejection(501, 'Protocol not served: x', { 'sec-websocket-version': '13' })).toEqual({
      headers: { ':status': 501, 'content-type': 'text/plain; charset=utf-8', 'content-length': 22, 'sec-websocket-version': '13' },
      body: 'Protocol not served: x',
    });
  });

  it('falls back on the reason phrase', () => {
    expect(buildConnectRejection(403, '').body).toBe('Forbidden');
  });
});

describe('clientConnectHeaders', () => {
  it('builds the request of RFC 8441 §5, header for header', () => {
    expect(
      clientConnectHeaders({
        scheme: 'https',
        authority: 'server.example.com',
        path: '/chat',
        protocols: ['chat', 'superchat'],
        extensions: [{ name: 'permessage-deflate', params: [['client_max_window_bits', true]] }],
        origin: 'http://www.example.com',
      }),
    ).toEqual({
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':scheme': 'https',
      ':authority': 'server.example.com',
      ':path': '/chat',
      'sec-websocket-version': '13',
      'sec-websocket-protocol': 'chat, superchat',
      'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits',
      origin: 'http://www.example.com',
    });
  });

  it('is accepted by the server side (round trip)', () => {
    const block = clientConnectHeaders({ scheme: 'http', authority: 'h:8080', path: '/', protocols: ['p'] });
    expect(validateExtendedConnect(block as Record<string, string>)).toMatchObject({ ok: true, protocols: ['p'], authority: 'h:8080' });
  });

  it('throws a SyntaxError for subprotocols that are not tokens or repeated', () => {
    expect(() => clientConnectHeaders({ scheme: 'http', authority: 'h', path: '/', protocols: ['a b'] })).toThrow(SyntaxError);
    expect(() => clientConnectHeaders({ scheme: 'http', authority: 'h', path: '/', protocols: ['a', 'a'] })).toThrow(SyntaxError);
  });
});

describe('validateConnectResponse', () => {
  const offered = { protocols: ['chat'], extensions: [{ name: 'permessage-deflate', params: [] }] };

  it('accepts a 200 and reads what was agreed', () => {
    expect(
      validateConnectResponse({ status: 200, headers: { 'sec-websocket-protocol': 'chat', 'sec-websocket-extensions': 'permessage-deflate' } }, offered),
    ).toEqual({ ok: true, protocol: 'chat', extensions: [{ name: 'permessage-deflate', params: [] }] });
  });

  it.each([
    ['a 101', { status: 101, headers: {} }, 'Unexpected server response: 101'],
    ['a 404', { status: 404, headers: {} }, 'Unexpected server response: 404'],
    ['a subprotocol not offered', { status: 200, headers: { 'sec-websocket-protocol': 'other' } }, 'not offered'],
    ['an extension not offered', { status: 200, headers: { 'sec-websocket-extensions': 'x-other' } }, 'not offered'],
    ['malformed extensions', { status: 200, headers: { 'sec-websocket-extensions': ';' } }, 'malformed'],
  ])('refuses %s', (_, response, reason) => {
    const result = validateConnectResponse(response, offered);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});
