import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DeflateOfferParameters,
  type DeflateOptions,
  type DeflateParameters,
  type ExtensionOffer,
  PERMESSAGE_DEFLATE,
  acceptDeflateResponse,
  buildAcceptResponse,
  deflateOffer,
  deflateOfferParameters,
  negotiateDeflate,
  parseDeflateOffer,
  parseExtensions,
} from '../../../src/protocol/websocket/index.js';

// Header strings as they travel, parsed with the handshake's own grammar.
const offers = (header: string): ExtensionOffer[] => {
  const parsed = parseExtensions(header);
  if (parsed === undefined) throw new Error(`test header does not parse: ${header}`);
  return parsed;
};
const paramsOf = (header: string): ExtensionOffer['params'] => offers(header)[0].params;
const responseTo = (header: string, options?: DeflateOptions): string | undefined => {
  const result = negotiateDeflate(offers(header), options);
  return result.accepted ? result.response : undefined;
};
const reasonsFor = (header: string, options?: DeflateOptions): string[] => {
  const result = negotiateDeflate(offers(header), options);
  return result.accepted ? [] : result.declined;
};

const NOTHING: DeflateParameters = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: undefined,
  clientMaxWindowBits: undefined,
};
/** What our default client (and Chromium, Firefox and `ws`) offers. */
const DEFAULT_OFFER: DeflateOfferParameters = { ...NOTHING, clientMaxWindowBits: true };

describe('real offers (RFC 7692 §7)', () => {
  // Chromium and Firefox both send exactly this, and so does `ws` with its defaults.
  const BROWSER = 'permessage-deflate; client_max_window_bits';

  it('our default client offer is byte for byte the one browsers and ws send', () => {
    expect(deflateOffer()).toBe(BROWSER);
    expect(deflateOfferParameters()).toEqual(DEFAULT_OFFER);
  });

  it('a server with default options accepts the browser offer and answers with the bare name', () => {
    const result = negotiateDeflate(offers(BROWSER));
    expect(result).toEqual({
      accepted: true,
      parameters: NOTHING,
      extension: { name: PERMESSAGE_DEFLATE, params: [] },
      response: 'permessage-deflate',
    });
  });

  it('the browser offer among other extensions, as the 101 response carries it', () => {
    const result = negotiateDeflate(offers(`x-webkit-deflate-frame, ${BROWSER}`), { serverNoContextTakeover: true });
    expect(result.accepted).toBe(true);
    if (!result.accepted) return;
    expect(result.response).toBe('permessage-deflate; server_no_context_takeover');
    const head = buildAcceptResponse({ key: 'dGhlIHNhbXBsZSBub25jZQ==', extensions: [result.extension] });
    expect(head).toContain('\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n');
  });

  it('a server with default options answers the browser offer, and the browser-like client accepts it', () => {
    expect(acceptDeflateResponse(paramsOf(responseTo(BROWSER)!), DEFAULT_OFFER)).toEqual({ ok: true, parameters: NOTHING });
  });

  it('no permessage-deflate offer at all: nothing accepted, nothing declined', () => {
    expect(negotiateDeflate(offers('x-webkit-deflate-frame'))).toEqual({ accepted: false, declined: [] });
    expect(negotiateDeflate([])).toEqual({ accepted: false, declined: [] });
  });
});

describe('parsing an offer strictly (RFC 7692 §7)', () => {
  it('§7: all four parameters, with token and quoted-string values', () => {
    expect(
      parseDeflateOffer(
        paramsOf('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits="10"; client_max_window_bits=9'),
      ),
    ).toEqual({
      ok: true,
      parameters: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 9 },
    });
  });

  it('§7.1.2.2: client_max_window_bits may come without a value in an offer', () => {
    expect(parseDeflateOffer(paramsOf('permessage-deflate; client_max_window_bits'))).toEqual({ ok: true, parameters: DEFAULT_OFFER });
  });

  it('§7.1.2: window bits 8 and 15 are the bounds', () => {
    for (const bits of [8, 15]) {
      const parsed = parseDeflateOffer(paramsOf(`permessage-deflate; server_max_window_bits=${bits}`));
      expect(parsed).toEqual({ ok: true, parameters: { ...NOTHING, serverMaxWindowBits: bits } });
    }
  });

  const invalid: Array<[string, string]> = [
    ['permessage-deflate; foo', 'unknown permessage-deflate parameter "foo" (RFC 7692 §7)'],
    ['permessage-deflate; Server_No_Context_Takeover', 'unknown permessage-deflate parameter "Server_No_Context_Takeover" (RFC 7692 §7)'],
    ['permessage-deflate; server_no_context_takeover; server_no_context_takeover', 'server_no_context_takeover appears twice (RFC 7692 §7)'],
    ['permessage-deflate; client_max_window_bits; client_max_window_bits=10', 'client_max_window_bits appears twice (RFC 7692 §7)'],
    ['permessage-deflate; server_no_context_takeover=1', 'server_no_context_takeover takes no value (RFC 7692 §7.1.1)'],
    ['permessage-deflate; client_no_context_takeover="x"', 'client_no_context_takeover takes no value (RFC 7692 §7.1.1)'],
    ['permessage-deflate; server_max_window_bits', 'server_max_window_bits must be a number from 8 to 15 (RFC 7692 §7.1.2), not empty'],
    ['permessage-deflate; server_max_window_bits=7', 'server_max_window_bits must be a number from 8 to 15 (RFC 7692 §7.1.2), not "7"'],
    ['permessage-deflate; server_max_window_bits=16', 'server_max_window_bits must be a number from 8 to 15 (RFC 7692 §7.1.2), not "16"'],
    ['permessage-deflate; server_max_window_bits=010', 'server_max_window_bits must be a number from 8 to 15 (RFC 7692 §7.1.2), not "010"'],
    ['permessage-deflate; server_max_window_bits=08', 'server_max_window_bits must be a number from 8 to 15 (RFC 7692 §7.1.2), not "08"'],
    ['permessage-deflate; server_max_window_bits="+9"', 'server_max_window_bits must be a number from 8 to 15 (RFC 7692 §7.1.2), not "+9"'],
    ['permessage-deflate; client_max_window_bits=1e1', 'client_max_window_bits must be a number from 8 to 15 (RFC 7692 §7.1.2), not "1e1"'],
    ['permessage-deflate; client_max_window_bits=0xf', 'client_max_window_bits must be a number from 8 to 15 (RFC 7692 §7.1.2), not "0xf"'],
  ];

  it.each(invalid)('§7: an invalid offer is refused with a reason: %s', (header, reason) => {
    expect(parseDeflateOffer(paramsOf(header))).toEqual({ ok: false, reason });
  });

  it('§7: a server declines an invalid offer without failing the handshake, and says why', () => {
    for (const [header, reason] of invalid) {
      expect(negotiateDeflate(offers(header))).toEqual({ accepted: false, declined: [reason] });
    }
  });
});

describe('the server answers (RFC 7692 §7.1)', () => {
  it('§5.1, §7: the first acceptable offer wins; declined ones before it are reported only when none is accepted', () => {
    const header = 'permessage-deflate; foo, permessage-deflate; server_max_window_bits=10, permessage-deflate';
    expect(responseTo(header)).toBe('permessage-deflate; server_max_window_bits=10');
    expect(reasonsFor('permessage-deflate; foo, permessage-deflate; bar')).toEqual([
      'unknown permessage-deflate parameter "foo" (RFC 7692 §7)',
      'unknown permessage-deflate parameter "bar" (RFC 7692 §7)',
    ]);
  });

  it('§7.1.1.1: server_no_context_takeover asked by the client is echoed; the server may add it unasked', () => {
    expect(responseTo('permessage-deflate; server_no_context_takeover')).toBe('permessage-deflate; server_no_context_takeover');
    expect(responseTo('permessage-deflate; server_no_context_takeover', { serverNoContextTakeover: false })).toBe(
      'permessage-deflate; server_no_context_takeover',
    );
    expect(responseTo('permessage-deflate', { serverNoContextTakeover: true })).toBe('permessage-deflate; server_no_context_takeover');
  });

  it('§7.1.1.2: client_no_context_takeover offered as a hint is echoed (binding); the server may ask for it unasked', () => {
    expect(responseTo('permessage-deflate; client_no_context_takeover')).toBe('permessage-deflate; client_no_context_takeover');
    expect(responseTo('permessage-deflate', { clientNoContextTakeover: true })).toBe('permessage-deflate; client_no_context_takeover');
    const result = negotiateDeflate(offers('permessage-deflate'), { clientNoContextTakeover: true });
    expect(result.accepted && result.parameters).toEqual({ ...NOTHING, clientNoContextTakeover: true });
  });

  it('§7.1.2.1: server_max_window_bits is answered with the same or a smaller value', () => {
    expect(responseTo('permessage-deflate; server_max_window_bits=10')).toBe('permessage-deflate; server_max_window_bits=10');
    expect(responseTo('permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 12 })).toBe(
      'permessage-deflate; server_max_window_bits=10',
    );
    expect(responseTo('permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 9 })).toBe(
      'permessage-deflate; server_max_window_bits=9',
    );
  });

  it('§7.1.2.1: the server may limit its own window when the client did not ask', () => {
    expect(responseTo('permessage-deflate', { serverMaxWindowBits: 11 })).toBe('permessage-deflate; server_max_window_bits=11');
  });

  it('§7.1.2.2: client_max_window_bits in the response only when the client offered it', () => {
    expect(responseTo('permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 10 })).toBe(
      'permessage-deflate; client_max_window_bits=10',
    );
    expect(responseTo('permessage-deflate; client_max_window_bits')).toBe('permessage-deflate');
    expect(responseTo('permessage-deflate', { clientMaxWindowBits: 15 })).toBe('permessage-deflate');
  });

  it('§7.1.2.2: an offered client_max_window_bits value is echoed, or lowered to the server limit', () => {
    expect(responseTo('permessage-deflate; client_max_window_bits=12')).toBe('permessage-deflate; client_max_window_bits=12');
    expect(responseTo('permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 13 })).toBe(
      'permessage-deflate; client_max_window_bits=12',
    );
    expect(responseTo('permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 9 })).toBe(
      'permessage-deflate; client_max_window_bits=9',
    );
  });

  it('§7.1.2.2: a server that limits the client window declines offers that cannot carry the limit, and takes a later one', () => {
    const reason = 'the offer has no client_max_window_bits, but the server allows at most 10 (RFC 7692 §7.1.2.2)';
    expect(reasonsFor('permessage-deflate', { clientMaxWindowBits: 10 })).toEqual([reason]);
    expect(responseTo('permessage-deflate, permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 10 })).toBe(
      'permessage-deflate; client_max_window_bits=10',
    );
  });

  it('§7: every parameter at once, in a fixed order', () => {
    const result = negotiateDeflate(
      offers('permessage-deflate; client_max_window_bits; server_max_window_bits=12; client_no_context_takeover; server_no_context_takeover'),
      { clientMaxWindowBits: 11, serverMaxWindowBits: 14 },
    );
    expect(result).toEqual({
      accepted: true,
      parameters: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 12, clientMaxWindowBits: 11 },
      extension: {
        name: PERMESSAGE_DEFLATE,
        params: [
          ['server_no_context_takeover', true],
          ['client_no_context_takeover', true],
          ['server_max_window_bits', '12'],
          ['client_max_window_bits', '11'],
        ],
      },
      response:
        'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits=11',
    });
  });

  it('options outside the RFC ranges are a RangeError, on either side', () => {
    for (const bad of [7, 16, 9.5, Number.NaN]) {
      expect(() => negotiateDeflate([], { serverMaxWindowBits: bad })).toThrow(RangeError);
      expect(() => deflateOffer({ clientMaxWindowBits: bad })).toThrow(RangeError);
    }
    expect(() => negotiateDeflate([], { clientMaxWindowBits: 16 })).toThrow('clientMaxWindowBits must be an integer from 8 to 15, got 16');
  });
});

describe('the client offers and checks the answer (RFC 7692 §7)', () => {
  it('§7.1: every option offered, byte for byte', () => {
    expect(deflateOffer({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 11 })).toBe(
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11',
    );
    expect(deflateOffer({ serverNoContextTakeover: false, clientNoContextTakeover: false })).toBe(
      'permessage-deflate; client_max_window_bits',
    );
  });

  const offered = (options: DeflateOptions = {}) => deflateOfferParameters(options);
  const check = (response: string, options?: DeflateOptions) => acceptDeflateResponse(paramsOf(response), offered(options));

  const failures: Array<[string, DeflateOfferParameters, string]> = [
    ['permessage-deflate; foo', DEFAULT_OFFER, 'unknown permessage-deflate parameter "foo" (RFC 7692 §7)'],
    ['permessage-deflate; x-webkit=1', DEFAULT_OFFER, 'unknown permessage-deflate parameter "x-webkit" (RFC 7692 §7)'],
    [
      'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
      DEFAULT_OFFER,
      'server_no_context_takeover appears twice (RFC 7692 §7)',
    ],
    [
      'permessage-deflate; server_max_window_bits=20',
      DEFAULT_OFFER,
      'server_max_window_bits must be a number from 8 to 15 (RFC 7692 §7.1.2), not "20"',
    ],
    [
      'permessage-deflate; client_max_window_bits',
      DEFAULT_OFFER,
      'client_max_window_bits must be a number from 8 to 15 (RFC 7692 §7.1.2), not empty',
    ],
    [
      'permessage-deflate; client_max_window_bits=10',
      { ...DEFAULT_OFFER, clientMaxWindowBits: undefined },
      'client_max_window_bits in the response, but it was not offered (RFC 7692 §7.1.2.2)',
    ],
    [
      'permessage-deflate; client_max_window_bits=12',
      { ...DEFAULT_OFFER, clientMaxWindowBits: 11 },
      'client_max_window_bits=12 is more than the 11 offered (RFC 7692 §7.1.2.2)',
    ],
    [
      'permessage-deflate',
      { ...DEFAULT_OFFER, serverNoContextTakeover: true },
      'server_no_context_takeover was offered but not accepted (RFC 7692 §7.1.1.1)',
    ],
    [
      'permessage-deflate',
      { ...DEFAULT_OFFER, serverMaxWindowBits: 10 },
      'server_max_window_bits was offered but not accepted (RFC 7692 §7.1.2.1)',
    ],
    [
      'permessage-deflate; server_max_window_bits=11',
      { ...DEFAULT_OFFER, serverMaxWindowBits: 10 },
      'server_max_window_bits=11 is more than the 10 offered (RFC 7692 §7.1.2.1)',
    ],
  ];

  it.each(failures)('§7: the client fails the connection for the answer %s', (response, offer, reason) => {
    expect(acceptDeflateResponse(paramsOf(response), offer)).toEqual({ ok: false, reason });
  });

  it('§7.1.1.1, §7.1.1.2: either takeover flag may come unasked', () => {
    expect(check('permessage-deflate; server_no_context_takeover; client_no_context_takeover')).toEqual({
      ok: true,
      parameters: { ...NOTHING, serverNoContextTakeover: true, clientNoContextTakeover: true },
    });
  });

  it('§7.1.2.1: a smaller server window than offered, or one not offered at all, is fine', () => {
    expect(check('permessage-deflate; server_max_window_bits=9', { serverMaxWindowBits: 10 })).toEqual({
      ok: true,
      parameters: { ...NOTHING, serverMaxWindowBits: 9 },
    });
    expect(check('permessage-deflate; server_max_window_bits="12"')).toEqual({ ok: true, parameters: { ...NOTHING, serverMaxWindowBits: 12 } });
  });

  it('§7.1.2.2: any client window from the server when offered without a value; the same or smaller when offered with one', () => {
    expect(check('permessage-deflate; client_max_window_bits=8')).toEqual({ ok: true, parameters: { ...NOTHING, clientMaxWindowBits: 8 } });
    expect(check('permessage-deflate; client_max_window_bits=11', { clientMaxWindowBits: 11 })).toEqual({
      ok: true,
      parameters: { ...NOTHING, clientMaxWindowBits: 11 },
    });
  });

  it('§7.1.1.2, §7.1.2.2: what the client offered binds it even when the server does not repeat it', () => {
    expect(check('permessage-deflate', { clientNoContextTakeover: true, clientMaxWindowBits: 10 })).toEqual({
      ok: true,
      parameters: { ...NOTHING, clientNoContextTakeover: true, clientMaxWindowBits: 10 },
    });
  });
});

describe('properties (RFC 7692 §7)', () => {
  const bits = fc.integer({ min: 8, max: 15 });
  const options: fc.Arbitrary<DeflateOptions> = fc.record(
    { serverNoContextTakeover: fc.boolean(), clientNoContextTakeover: fc.boolean(), serverMaxWindowBits: bits, clientMaxWindowBits: bits },
    { requiredKeys: [] },
  );

  it('any client offer is accepted by any server, the answer accepted by the client, and both agree on the parameters', () => {
    fc.assert(
      fc.property(options, options, (client, server) => {
        const result = negotiateDeflate(offers(deflateOffer(client)), server);
        expect(result.accepted).toBe(true);
        if (!result.accepted) return;
        const checked = acceptDeflateResponse(paramsOf(result.response), deflateOfferParameters(client));
        expect(checked).toEqual({ ok: true, parameters: result.parameters });
        // Each side stays within what the other allowed.
        const { serverMaxWindowBits, clientMaxWindowBits } = result.parameters;
        if (client.serverMaxWindowBits !== undefined) expect(serverMaxWindowBits).toBeLessThanOrEqual(client.serverMaxWindowBits);
        if (server.serverMaxWindowBits !== undefined) expect(serverMaxWindowBits).toBeLessThanOrEqual(server.serverMaxWindowBits);
        if (server.clientMaxWindowBits !== undefined) expect(clientMaxWindowBits).toBeLessThanOrEqual(server.clientMaxWindowBits);
        if (client.clientMaxWindowBits !== undefined) expect(clientMaxWindowBits).toBeLessThanOrEqual(client.clientMaxWindowBits);
        if (client.serverNoContextTakeover) expect(result.parameters.serverNoContextTakeover).toBe(true);
      }),
    );
  });

  // Names and values drawn mostly from the real vocabulary, so that valid,
  // repeated and near-miss parameters all come up, plus arbitrary tokens.
  const name = fc.oneof(
    fc.constantFrom('server_no_context_takeover', 'client_no_context_takeover', 'server_max_window_bits', 'client_max_window_bits'),
    fc.stringMatching(/^[a-z_]{1,12}$/),
  );
  const value = fc.oneof(fc.constant<true>(true), fc.integer({ min: 0, max: 20 }).map(String), fc.stringMatching(/^[0-9a-z+.]{1,4}$/));
  const params = fc.array(fc.tuple(name, value), { maxLength: 6 }) as fc.Arbitrary<ExtensionOffer['params']>;

  it('random parameters never throw, and every verdict is a valid offer or a reason', () => {
    fc.assert(
      fc.property(params, options, (list, server) => {
        const parsed = parseDeflateOffer(list);
        const negotiated = negotiateDeflate([{ name: PERMESSAGE_DEFLATE, params: list }], server);
        const checked = acceptDeflateResponse(list, deflateOfferParameters());
        if (!parsed.ok) {
          expect(parsed.reason).toMatch(/RFC 7692 §7/);
          expect(negotiated).toEqual({ accepted: false, declined: [parsed.reason] });
          expect(checked.ok).toBe(false);
        }
        if (negotiated.accepted) {
          // The answer always parses back as an acceptable response to the offer.
          const offer = parsed.ok ? parsed.parameters : DEFAULT_OFFER;
          expect(acceptDeflateResponse(negotiated.extension.params, offer)).toEqual({ ok: true, parameters: negotiated.parameters });
        }
      }),
    );
  });
});
