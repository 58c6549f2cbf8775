import { describe, expect, it } from 'vitest';
import {
  type Headers,
  buildAcceptResponse,
  buildRejectResponse,
  clientHandshakeHeaders,
  computeAccept,
  formatExtensions,
  formatHead,
  generateKey,
  isValidKey,
  listHasToken,
  parseExtensions,
  parseTokenList,
  validateUpgradeRequest,
  validateUpgradeResponse,
} from '../../../src/protocol/websocket/index.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const goodHeaders: Headers = {
  host: 'server.example.com',
  upgrade: 'websocket',
  connection: 'Upgrade',
  'sec-websocket-key': KEY,
  'sec-websocket-version': '13',
};
const request = (headers: Headers, more: object = {}) => ({ method: 'GET', httpVersion: '1.1', headers, ...more });
const without = (name: string): Headers => Object.fromEntries(Object.entries(goodHeaders).filter(([key]) => key !== name));

describe('keys (§4.1, §4.2.2)', () => {
  it('generates 16 random bytes in base64, different every time', () => {
    const keys = new Set(Array.from({ length: 100 }, () => generateKey()));
    expect(keys.size).toBe(100);
    for (const key of keys) {
      expect(isValidKey(key)).toBe(true);
      expect(Buffer.from(key, 'base64')).toHaveLength(16);
    }
    expect(generateKey(() => new Uint8Array(16))).toBe('AAAAAAAAAAAAAAAAAAAAAA==');
  });

  it('accepts only 22 base64 characters and "=="', () => {
    expect(isValidKey(KEY)).toBe(true);
    for (const key of ['', 'dGhlIHNhbXBsZSBub25jZQ', 'dGhlIHNhbXBsZSBub25jZQ=', ` ${KEY}`, 'dGhlIHNhbXBsZSBub25jZQ==AA', 'dGhlIHNhbXBsZSBub25j!Q==']) {
      expect(isValidKey(key)).toBe(false);
    }
  });
});

describe('the server side of the opening handshake (§4.2.1)', () => {
  it('accepts the RFC example, with offered subprotocols and extensions', () => {
    const result = validateUpgradeRequest(
      request({
        ...goodHeaders,
        connection: 'keep-alive, Upgrade',
        upgrade: 'WebSocket',
        origin: 'http://example.com',
        'sec-websocket-protocol': 'chat, superchat',
        'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits, x-foo',
      }),
    );
    expect(result).toEqual({
      ok: true,
      key: KEY,
      protocols: ['chat', 'superchat'],
      extensions: [
        { name: 'permessage-deflate', params: [['client_max_window_bits', true]] },
        { name: 'x-foo', params: [] },
      ],
      origin: 'http://example.com',
    });
  });

  it('accepts HTTP/2.0 and repeated list headers', () => {
    const result = validateUpgradeRequest(request({ ...goodHeaders, 'sec-websocket-protocol': ['a', 'b'] }, { httpVersion: '2.0' }));
    expect(result.ok && result.protocols).toEqual(['a', 'b']);
  });

  const rejections: Array<[string, ReturnType<typeof request>, number, Record<string, string>?]> = [
    ['a POST', request(goodHeaders, { method: 'POST' }), 405, { Allow: 'GET' }],
    ['HTTP/1.0', request(goodHeaders, { httpVersion: '1.0' }), 400],
    ['a garbled HTTP version', request(goodHeaders, { httpVersion: 'x' }), 400],
    ['no Host', request(without('host')), 400],
    ['no Upgrade', request(without('upgrade')), 400],
    ['Upgrade: h2c', request({ ...goodHeaders, upgrade: 'h2c' }), 400],
    ['no Connection', request(without('connection')), 400],
    ['Connection: keep-alive', request({ ...goodHeaders, connection: 'keep-alive' }), 400],
    ['no version', request(without('sec-websocket-version')), 426, { 'Sec-WebSocket-Version': '13' }],
    ['version 8', request({ ...goodHeaders, 'sec-websocket-version': '8' }), 426, { 'Sec-WebSocket-Version': '13' }],
    ['no key', request(without('sec-websocket-key')), 400],
    ['a key of 15 bytes', request({ ...goodHeaders, 'sec-websocket-key': Buffer.alloc(15).toString('base64') }), 400],
    ['two keys', request({ ...goodHeaders, 'sec-websocket-key': [KEY, KEY] }), 400],
    ['a subprotocol that is not a token', request({ ...goodHeaders, 'sec-websocket-protocol': 'chat, a b' }), 400],
    ['malformed extensions', request({ ...goodHeaders, 'sec-websocket-extensions': 'foo; =bar' }), 400],
  ];
  for (const [name, req, status, headers] of rejections) {
    it(`rejects ${name} with ${status} and a reason`, () => {
      const result = validateUpgradeRequest(req);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.status).toBe(status);
      expect(result.reason.length).toBeGreaterThan(5);
      expect(result.headers).toEqual(headers ?? {});
    });
  }

  it('builds the 101 response of the RFC example', () => {
    expect(buildAcceptResponse({ key: KEY, protocol: 'chat' })).toBe(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
        'Sec-WebSocket-Protocol: chat\r\n\r\n',
    );
  });

  it('adds accepted extensions and extra headers, and refuses header injection', () => {
    const head = buildAcceptResponse({
      key: KEY,
      extensions: [{ name: 'x-foo', params: [['a', '1']] }],
      headers: { 'Set-Cookie': ['a=1', 'b=2'] },
    });
    expect(head).toContain('Sec-WebSocket-Extensions: x-foo; a=1\r\n');
    expect(head).toContain('Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n');
    expect(() => buildAcceptResponse({ key: KEY, headers: { 'X-Evil': 'a\r\nInjected: yes' } })).toThrow(TypeError);
    expect(() => buildAcceptResponse({ key: KEY, headers: { 'Bad Name': 'x' } })).toThrow(TypeError);
    expect(() => buildAcceptResponse({ key: KEY, protocol: 'not a token' })).toThrow(TypeError);
  });

  it('builds a rejection with status, reason body and Connection: close', () => {
    expect(buildRejectResponse(426, 'Use version 13', { 'Sec-WebSocket-Version': '13' })).toBe(
      'HTTP/1.1 426 Upgrade Required\r\n' +
        'Connection: close\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        'Content-Length: 14\r\n' +
        'Sec-WebSocket-Version: 13\r\n\r\n' +
        'Use version 13',
    );
    expect(buildRejectResponse(418, '')).toMatch(/^HTTP\/1\.1 418 Client Error\r\n[\s\S]*\r\n\r\nClient Error$/);
  });
});

describe('the client side of the opening handshake (§4.1)', () => {
  it('builds the request headers', () => {
    expect(
      clientHandshakeHeaders({
        key: KEY,
        protocols: ['chat', 'superchat'],
        extensions: [{ name: 'x-foo', params: [] }],
        origin: 'http://example.com',
      }),
    ).toEqual({
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Key': KEY,
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Protocol': 'chat, superchat',
      'Sec-WebSocket-Extensions': 'x-foo',
      Origin: 'http://example.com',
    });
  });

  it('throws SyntaxError for subprotocols that are not tokens or are repeated (WHATWG)', () => {
    expect(() => clientHandshakeHeaders({ key: KEY, protocols: ['a b'] })).toThrow(SyntaxError);
    expect(() => clientHandshakeHeaders({ key: KEY, protocols: ['a', 'a'] })).toThrow(SyntaxError);
  });

  const ok = {
    statusCode: 101,
    headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-accept': computeAccept(KEY) } as Headers,
  };
  const offered = { key: KEY, protocols: ['chat'], extensions: [{ name: 'x-foo', params: [] }] };

  it('accepts a good response and reports the subprotocol and extensions', () => {
    expect(validateUpgradeResponse(ok, offered)).toEqual({ ok: true, protocol: '', extensions: [] });
    const chosen = { ...ok, headers: { ...ok.headers, 'sec-websocket-protocol': 'chat', 'sec-websocket-extensions': 'x-foo; y=2' } };
    expect(validateUpgradeResponse(chosen, offered)).toEqual({
      ok: true,
      protocol: 'chat',
      extensions: [{ name: 'x-foo', params: [['y', '2']] }],
    });
  });

  const failures: Array<[string, { statusCode: number; headers: Headers }, RegExp]> = [
    ['a 403', { ...ok, statusCode: 403 }, /Unexpected server response: 403/],
    ['no Upgrade', { ...ok, headers: { ...ok.headers, upgrade: undefined } }, /Upgrade/],
    ['no Connection', { ...ok, headers: { ...ok.headers, connection: 'close' } }, /Connection/],
    ['a wrong accept', { ...ok, headers: { ...ok.headers, 'sec-websocket-accept': 'nope' } }, /Accept/],
    ['an unoffered subprotocol', { ...ok, headers: { ...ok.headers, 'sec-websocket-protocol': 'other' } }, /not offered/],
    ['an unoffered extension', { ...ok, headers: { ...ok.headers, 'sec-websocket-extensions': 'x-bar' } }, /not offered/],
    ['an extension twice', { ...ok, headers: { ...ok.headers, 'sec-websocket-extensions': 'x-foo, x-foo' } }, /twice/],
    ['malformed extensions', { ...ok, headers: { ...ok.headers, 'sec-websocket-extensions': ';' } }, /malformed/],
  ];
  for (const [name, response, reason] of failures) {
    it(`fails on ${name} with a readable reason`, () => {
      const result = validateUpgradeResponse(response, offered);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toMatch(reason);
    });
  }
});

describe('header grammar (RFC 7230 §3.2.6, RFC 6455 §9.1)', () => {
  it('token lists skip empty elements and reject non-tokens', () => {
    expect(parseTokenList(' a ,, b,c ')).toEqual(['a', 'b', 'c']);
    expect(parseTokenList('a, "b"')).toBeUndefined();
    expect(listHasToken('keep-alive, UPGRADE', 'upgrade')).toBe(true);
    expect(listHasToken('upgrade-ish', 'upgrade')).toBe(false);
  });

  it('extensions with token and quoted values, round-tripped through formatExtensions', () => {
    const offers = parseExtensions('permessage-deflate; client_max_window_bits="10" ; server_no_context_takeover, x-b;k=v');
    expect(offers).toEqual([
      { name: 'permessage-deflate', params: [['client_max_window_bits', '10'], ['server_no_context_takeover', true]] },
      { name: 'x-b', params: [['k', 'v']] },
    ]);
    expect(parseExtensions(formatExtensions(offers!))).toEqual(offers);
    expect(parseExtensions('a; b="x\\"y"')).toBeUndefined(); // unquoted value must be a token
    expect(parseExtensions('a; b="c\\d"')).toEqual([{ name: 'a', params: [['b', 'cd']] }]);
  });

  it('rejects malformed extension lists', () => {
    for (const value of ['', ',', 'a;', 'a; b=', 'a; b="unterminated', 'a; b="x\\', 'a b', 'a; b=c d', '"a"']) {
      expect(parseExtensions(value), value).toBeUndefined();
    }
  });

  it('formatHead writes header lines and refuses bad names and values', () => {
    expect(formatHead('GET / HTTP/1.1', { Host: 'x', 'X-N': 5 })).toBe('GET / HTTP/1.1\r\nHost: x\r\nX-N: 5\r\n\r\n');
    expect(() => formatHead('x', { 'a:b': 'x' })).toThrow(TypeError);
    expect(() => formatHead('x', { a: 'x\0' })).toThrow(TypeError);
  });
});
