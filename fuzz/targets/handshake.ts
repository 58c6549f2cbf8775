import fc from 'fast-check';
import { validateUpgradeResponse } from '../../src/protocol/websocket/client-handshake.js';
import { computeAccept, isValidKey } from '../../src/protocol/websocket/handshake-key.js';
import { formatExtensions, isToken, parseExtensions, parseTokenList } from '../../src/protocol/websocket/header-grammar.js';
import { formatHead, headerValue, type Headers } from '../../src/protocol/websocket/http-head.js';
import { validateUpgradeRequest } from '../../src/protocol/websocket/server-handshake.js';
import { type FuzzTarget, Finding, check, defineTarget } from '../target.js';

// The opening-handshake parsers (RFC 6455 §4) and the header grammar they use:
// any input yields a result (accepted, or rejected with a reason), never a throw.

/** Header-ish text: the characters the grammar cares about, plus anything. */
const headerText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: fc.constantFrom(...'abcXYZ09-_.!#$%&*+^`|~ \t,;="\\/()<>@:?{}[]\r\n\0\u00ff\u0100'.split('')), maxLength: 60 }),
  fc.constantFrom('websocket', 'WebSocket', 'Upgrade', 'keep-alive, Upgrade', '13', '8', 'dGhlIHNhbXBsZSBub25jZQ==', 'permessage-deflate; client_max_window_bits', 'a; b="c", d'),
);
const headerValueArb = fc.oneof(headerText, fc.array(headerText, { maxLength: 3 }), fc.constant(undefined));
const HANDSHAKE_HEADERS = ['host', 'upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions', 'origin', 'sec-websocket-accept'];
const headers: fc.Arbitrary<Headers> = fc.dictionary(fc.oneof(fc.constantFrom(...HANDSHAKE_HEADERS), fc.string({ maxLength: 12 })), headerValueArb, { maxKeys: 10 });

export const serverHandshake: FuzzTarget = defineTarget(
  {
    name: 'server-handshake',
    description: 'validateUpgradeRequest on any method, version and headers: accepted with a valid key, or rejected 400/405/426 with a reason',
    weight: 1,
  },
  fc.tuple(fc.oneof(fc.constantFrom('GET', 'POST', 'get'), fc.string({ maxLength: 8 })), fc.oneof(fc.constantFrom('1.1', '1.0', '2.0', '1.10'), fc.string({ maxLength: 6 })), headers),
  ([method, httpVersion, h]) => {
    const result = validateUpgradeRequest({ method, httpVersion, headers: h });
    if (result.ok) {
      check(isValidKey(result.key), `accepted an invalid key ${JSON.stringify(result.key)}`);
      check(result.protocols.every(isToken), 'accepted a subprotocol that is not a token');
      check(result.extensions.every((e) => isToken(e.name)), 'accepted an extension name that is not a token');
    } else {
      check([400, 405, 426].includes(result.status), `rejected with status ${result.status}`);
      check(result.reason.length > 0, 'rejected without a reason');
    }
  },
);

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
export const clientHandshake: FuzzTarget = defineTarget(
  {
    name: 'client-handshake',
    description: 'validateUpgradeResponse on any status and headers, for any offer: ok only for a matching accept, else a reason',
    weight: 1,
  },
  fc.tuple(
    fc.oneof(fc.constant(101), fc.integer({ min: -1, max: 999 })),
    headers,
    fc.boolean(),
    fc.array(fc.constantFrom('chat', 'switchboard.v1', 'a'), { maxLength: 3 }),
    fc.array(fc.constantFrom('permessage-deflate', 'x-ext'), { maxLength: 2 }),
  ),
  ([statusCode, h, rightAccept, protocols, extensionNames]) => {
    const withAccept = rightAccept ? { ...h, 'sec-websocket-accept': computeAccept(KEY) } : h;
    const result = validateUpgradeResponse(
      { statusCode, headers: withAccept },
      { key: KEY, protocols: [...new Set(protocols)], extensions: [...new Set(extensionNames)].map((name) => ({ name, params: [] })) },
    );
    if (result.ok) {
      check(statusCode === 101, `accepted status ${statusCode}`);
      check(headerValue(withAccept, 'sec-websocket-accept')?.trim() === computeAccept(KEY), 'accepted a wrong Sec-WebSocket-Accept');
      check(result.protocol === '' || (protocols as readonly string[]).includes(result.protocol), 'accepted an unoffered subprotocol');
    } else {
      check(result.reason.length > 0, 'failed without a reason');
    }
  },
);

const token = fc.string({ unit: fc.constantFrom(..."!#$%&'*+-.^_`|~abcXYZ019".split('')), minLength: 1, maxLength: 8 });
const offer = fc.record({ name: token, params: fc.array(fc.tuple(token, fc.oneof(fc.constant(true as const), token)), { maxLength: 3 }) });

export const headerGrammar: FuzzTarget = defineTarget(
  {
    name: 'header-grammar',
    description: 'parseExtensions/parseTokenList on any text (tokens or undefined, never a throw); format → parse round trip for any offers',
    weight: 1,
  },
  fc.tuple(headerText, fc.array(offer, { minLength: 1, maxLength: 4 })),
  ([text, offers]) => {
    const list = parseTokenList(text);
    if (list !== undefined) check(list.every(isToken), `parseTokenList gave a non-token from ${JSON.stringify(text)}`);
    const parsed = parseExtensions(text);
    if (parsed !== undefined) {
      check(parsed.length > 0, 'parseExtensions gave an empty list');
      for (const e of parsed) check(isToken(e.name) && e.params.every(([k, v]) => isToken(k) && (v === true || isToken(v))), 'extension with a non-token part');
      // What was read can be written back and read again the same.
      check(JSON.stringify(parseExtensions(formatExtensions(parsed))) === JSON.stringify(parsed), 'parse → format → parse differs');
    }
    check(JSON.stringify(parseExtensions(formatExtensions(offers))) === JSON.stringify(offers), 'format → parse differs');
  },
);

export const httpHead: FuzzTarget = defineTarget(
  {
    name: 'http-head',
    description: 'formatHead on any header names and values: a TypeError for a bad name or a CR/LF/NUL in a value, else exactly one line per value',
    weight: 1,
  },
  fc.dictionary(fc.oneof(token, fc.string({ maxLength: 10 })), fc.oneof(headerText, fc.array(headerText, { maxLength: 3 }), fc.integer())),
  (h) => {
    let head: string;
    try {
      head = formatHead('HTTP/1.1 101 Switching Protocols', h);
    } catch (error) {
      if (!(error instanceof TypeError)) throw new Finding(`formatHead threw ${String(error)}`);
      return;
    }
    const values = Object.values(h).flatMap((v) => (Array.isArray(v) ? v : [v]));
    const lines = head.split('\r\n');
    // Start line, one per value, then the empty line and the empty rest.
    check(lines.length === values.length + 3, 'a header value forged a line');
    check(!/[\r\n]/.test(lines.join('')), 'bare CR or LF in the head');
  },
);
