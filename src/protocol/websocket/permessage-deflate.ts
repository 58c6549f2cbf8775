import { type ExtensionOffer, formatExtensions } from './header-grammar.js';

/**
 * Negotiating the permessage-deflate extension, RFC 7692 §7: parsing a client's
 * offers and answering the first acceptable one (server), building an offer and
 * checking the server's answer to it (client). Only the negotiation: the
 * compression itself lives elsewhere. Pure: header parameters in, parameters
 * and header strings out.
 */

export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** An LZ77 sliding window of 2^bits bytes; RFC 7692 allows 8 to 15 (§7.1.2). */
export type WindowBits = 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15;

/** What was agreed: the rules each side's compressor must follow. */
export interface DeflateParameters {
  /** The server resets its compression context after every message (§7.1.1.1). */
  serverNoContextTakeover: boolean;
  /** The client resets its compression context after every message (§7.1.1.2). */
  clientNoContextTakeover: boolean;
  /** The largest window the server compresses with; undefined for 15 (§7.1.2.1). */
  serverMaxWindowBits: WindowBits | undefined;
  /** The largest window the client compresses with; undefined for 15 (§7.1.2.2). */
  clientMaxWindowBits: WindowBits | undefined;
}

/** A client's offer: `client_max_window_bits` may come without a value, `true` (§7.1.2.2). */
export interface DeflateOfferParameters extends Omit<DeflateParameters, 'clientMaxWindowBits'> {
  clientMaxWindowBits: WindowBits | true | undefined;
}

/**
 * What one side is willing to do. For a server: `...NoContextTakeover: true`
 * asks for it even when the client did not, and the window bits are the largest
 * windows it allows (`clientMaxWindowBits` below 15 declines clients that cannot
 * limit their window). For a client: each option is offered as given, and
 * `client_max_window_bits` is always offered (without a value when unset), as
 * browsers do.
 */
export interface DeflateOptions {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  /** 8 to 15. */
  serverMaxWindowBits?: number;
  /** 8 to 15. */
  clientMaxWindowBits?: number;
}

export type DeflateParse<T> = { ok: true; parameters: T } | { ok: false; reason: string };

export type DeflateNegotiation =
  | {
      accepted: true;
      parameters: DeflateParameters;
      /** The accepted element, for `buildAcceptResponse({ extensions: [extension] })`. */
      extension: ExtensionOffer;
      /** The same, formatted as the `Sec-WebSocket-Extensions` value. */
      response: string;
    }
  | {
      accepted: false;
      /** Why each permessage-deflate offer was declined, in order; empty when there was none. */
      declined: string[];
    };

type Params = ExtensionOffer['params'];

/**
 * One offer's parameters, strictly (§7): known names only, each once, the
 * takeover flags without a value, window bits 8..15. An invalid offer is to be
 * declined, not the handshake failed (§7, "a server MUST decline").
 */
export function parseDeflateOffer(params: Params): DeflateParse<DeflateOfferParameters> {
  return parseParameters(params, 'offer');
}

/**
 * The server's answer: the first permessage-deflate offer it can accept, or
 * none (§7: offers it cannot accept are declined, and a later one may be picked).
 * Other extensions in `offers` are skipped. Throws a RangeError for options
 * outside the RFC's ranges, which is a programming error, not bad input.
 */
export function negotiateDeflate(offers: readonly ExtensionOffer[], options: DeflateOptions = {}): DeflateNegotiation {
  checkOptions(options);
  const declined: string[] = [];
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const parsed = parseDeflateOffer(offer.params);
    const answer = parsed.ok ? answerOffer(parsed.parameters, options) : parsed;
    if (!answer.ok) {
      declined.push(answer.reason);
      continue;
    }
    const extension: ExtensionOffer = { name: PERMESSAGE_DEFLATE, params: toParams(answer.parameters) };
    return { accepted: true, parameters: answer.parameters, extension, response: formatExtensions([extension]) };
  }
  return { accepted: false, declined };
}

/** What a client with these options offers, as parameters (keep it for `acceptDeflateResponse`). */
export function deflateOfferParameters(options: DeflateOptions = {}): DeflateOfferParameters {
  checkOptions(options);
  return {
    serverNoContextTakeover: options.serverNoContextTakeover === true,
    clientNoContextTakeover: options.clientNoContextTakeover === true,
    serverMaxWindowBits: options.serverMaxWindowBits as WindowBits | undefined,
    clientMaxWindowBits: (options.clientMaxWindowBits as WindowBits | undefined) ?? true,
  };
}

/** The `Sec-WebSocket-Extensions` value a client with these options sends. */
export function deflateOffer(options: DeflateOptions = {}): string {
  return formatExtensions([deflateOfferExtension(deflateOfferParameters(options))]);
}

/** An offer as an extension element, for `clientHandshakeHeaders({ extensions })`. */
export function deflateOfferExtension(offer: DeflateOfferParameters): ExtensionOffer {
  return { name: PERMESSAGE_DEFLATE, params: toParams(offer) };
}

/**
 * Checks the server's permessage-deflate answer against what the client
 * offered. A failure is one the client must fail the connection for (§7):
 * an unknown, repeated or invalid parameter, or a configuration it did not
 * allow. The agreed parameters include the client's own promises: an offered
 * `client_no_context_takeover` or `client_max_window_bits=N` binds the client
 * even when the server does not repeat it (§7.1.1.2, §7.1.2.2).
 */
export function acceptDeflateResponse(params: Params, offered: DeflateOfferParameters): DeflateParse<DeflateParameters> {
  const parsed = parseParameters(params, 'response');
  if (!parsed.ok) return parsed;
  const answer = parsed.parameters;
  if (offered.serverNoContextTakeover && !answer.serverNoContextTakeover) {
    return fail('server_no_context_takeover was offered but not accepted (RFC 7692 §7.1.1.1)');
  }
  if (offered.serverMaxWindowBits !== undefined) {
    if (answer.serverMaxWindowBits === undefined) {
      return fail('server_max_window_bits was offered but not accepted (RFC 7692 §7.1.2.1)');
    }
    if (answer.serverMaxWindowBits > offered.serverMaxWindowBits) {
      return fail(
        `server_max_window_bits=${answer.serverMaxWindowBits} is more than the ${offered.serverMaxWindowBits} offered (RFC 7692 §7.1.2.1)`,
      );
    }
  }
  if (answer.clientMaxWindowBits !== undefined) {
    if (offered.clientMaxWindowBits === undefined) {
      return fail('client_max_window_bits in the response, but it was not offered (RFC 7692 §7.1.2.2)');
    }
    if (offered.clientMaxWindowBits !== true && answer.clientMaxWindowBits > offered.clientMaxWindowBits) {
      return fail(
        `client_max_window_bits=${answer.clientMaxWindowBits} is more than the ${offered.clientMaxWindowBits} offered (RFC 7692 §7.1.2.2)`,
      );
    }
  }
  const promisedBits = offered.clientMaxWindowBits === true ? undefined : offered.clientMaxWindowBits;
  return {
    ok: true,
    parameters: {
      ...answer,
      clientNoContextTakeover: answer.clientNoContextTakeover || offered.clientNoContextTakeover,
      clientMaxWindowBits: answer.clientMaxWindowBits ?? promisedBits,
    },
  };
}

/** The server's side of one valid offer (§7.1.1, §7.1.2), or why it declines it. */
function answerOffer(offer: DeflateOfferParameters, options: DeflateOptions): DeflateParse<DeflateParameters> {
  let clientMaxWindowBits: WindowBits | undefined;
  if (offer.clientMaxWindowBits === undefined) {
    // The response may not carry client_max_window_bits (§7.1.2.2), so a
    // server that needs the client's window smaller than 32 KiB declines.
    if (options.clientMaxWindowBits !== undefined && options.clientMaxWindowBits < 15) {
      return fail(
        `the offer has no client_max_window_bits, but the server allows at most ${options.clientMaxWindowBits} (RFC 7692 §7.1.2.2)`,
      );
    }
  } else if (offer.clientMaxWindowBits === true) {
    clientMaxWindowBits = options.clientMaxWindowBits as WindowBits | undefined;
  } else {
    clientMaxWindowBits = smaller(offer.clientMaxWindowBits, options.clientMaxWindowBits);
  }
  const serverMaxWindowBits =
    offer.serverMaxWindowBits === undefined
      ? (options.serverMaxWindowBits as WindowBits | undefined)
      : smaller(offer.serverMaxWindowBits, options.serverMaxWindowBits);
  return {
    ok: true,
    parameters: {
      // Requested by the client: must be accepted as asked (§7.1.1.1); the
      // server may also add either flag on its own (§7.1.1.1, §7.1.1.2).
      serverNoContextTakeover: offer.serverNoContextTakeover || options.serverNoContextTakeover === true,
      clientNoContextTakeover: offer.clientNoContextTakeover || options.clientNoContextTakeover === true,
      serverMaxWindowBits,
      clientMaxWindowBits,
    },
  };
}

function smaller(offered: WindowBits, allowed: number | undefined): WindowBits {
  return allowed === undefined || offered <= allowed ? offered : (allowed as WindowBits);
}

const NAMES = ['server_no_context_takeover', 'client_no_context_takeover', 'server_max_window_bits', 'client_max_window_bits'];

/** A decimal integer 8..15 without leading zeros (§7.1.2.1, §7.1.2.2). */
const WINDOW_BITS = /^(?:[89]|1[0-5])$/;

function parseParameters(params: Params, role: 'offer'): DeflateParse<DeflateOfferParameters>;
function parseParameters(params: Params, role: 'response'): DeflateParse<DeflateParameters>;
function parseParameters(params: Params, role: 'offer' | 'response'): DeflateParse<DeflateOfferParameters> {
  const result: DeflateOfferParameters = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (!NAMES.includes(name)) return fail(`unknown permessage-deflate parameter ${JSON.stringify(name)} (RFC 7692 §7)`);
    if (seen.has(name)) return fail(`${name} appears twice (RFC 7692 §7)`);
    seen.add(name);
    if (name === 'server_no_context_takeover' || name === 'client_no_context_takeover') {
      if (value !== true) return fail(`${name} takes no value (RFC 7692 §7.1.1)`);
      result[name === 'server_no_context_takeover' ? 'serverNoContextTakeover' : 'clientNoContextTakeover'] = true;
      continue;
    }
    // Only a client's offer may give client_max_window_bits without a value (§7.1.2.2).
    const valueOptional = role === 'offer' && name === 'client_max_window_bits';
    if (value === true && valueOptional) {
      result.clientMaxWindowBits = true;
      continue;
    }
    if (value === true || !WINDOW_BITS.test(value)) {
      return fail(`${name} must be a number from 8 to 15 (RFC 7692 §7.1.2), not ${value === true ? 'empty' : JSON.stringify(value)}`);
    }
    result[name === 'server_max_window_bits' ? 'serverMaxWindowBits' : 'clientMaxWindowBits'] = Number(value) as WindowBits;
  }
  return { ok: true, parameters: result };
}

/** Parameters in a fixed order, each only when it says something. */
function toParams(parameters: DeflateOfferParameters): Params {
  const params: Params = [];
  if (parameters.serverNoContextTakeover) params.push(['server_no_context_takeover', true]);
  if (parameters.clientNoContextTakeover) params.push(['client_no_context_takeover', true]);
  if (parameters.serverMaxWindowBits !== undefined) params.push(['server_max_window_bits', String(parameters.serverMaxWindowBits)]);
  const clientBits = parameters.clientMaxWindowBits;
  if (clientBits !== undefined) params.push(['client_max_window_bits', clientBits === true ? true : String(clientBits)]);
  return params;
}

function checkOptions(options: DeflateOptions): void {
  for (const key of ['serverMaxWindowBits', 'clientMaxWindowBits'] as const) {
    const bits = options[key];
    if (bits !== undefined && !(Number.isInteger(bits) && bits >= 8 && bits <= 15)) {
      throw new RangeError(`${key} must be an integer from 8 to 15, got ${String(bits)}`);
    }
  }
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
