import { constants } from 'node:zlib';
import { type DeflateOptions, type DeflateParameters, deflateOfferParameters } from '../protocol/websocket/index.js';
import { type ZlibLimiter, zlibLimiter } from './zlib-limiter.js';

/**
 * permessage-deflate (RFC 7692), server and client. The negotiation options
 * (`serverNoContextTakeover`, `clientNoContextTakeover`, `serverMaxWindowBits`,
 * `clientMaxWindowBits`) say what a server accepts or asks for, or what a
 * client offers; the rest is how this side compresses.
 */
export interface PerMessageDeflateOptions extends DeflateOptions {
  /** Messages smaller than this many bytes go uncompressed. Default 1024. */
  threshold?: number;
  /** zlib compression level, 0 (none) to 9 (best). Default 6, zlib's (as `ws`). */
  level?: number;
  /** zlib memLevel, 1 to 9: the compressor's hash table, 2^(memLevel+9) bytes twice. Default 8, zlib's. */
  memLevel?: number;
  /** Most zlib jobs in flight in the whole process (each on libuv's thread pool). Default 10 (as `ws`). */
  concurrency?: number;
}

/** The option as servers and clients take it: `true` for the defaults, `false` or nothing for none. */
export type PerMessageDeflateOption = boolean | PerMessageDeflateOptions;

/** How this side compresses, resolved once for a server or a client. */
export interface CompressionSettings {
  readonly threshold: number;
  readonly level: number;
  readonly memLevel: number;
  readonly limiter: ZlibLimiter;
  /** What to negotiate. */
  readonly negotiation: DeflateOptions;
}

export const DEFAULT_DEFLATE_THRESHOLD = 1024;

export function resolveCompression(option: PerMessageDeflateOption | undefined): CompressionSettings | undefined {
  if (option === undefined || option === false) return undefined;
  const options = option === true ? {} : option;
  const { threshold, level, memLevel, concurrency, ...negotiation } = options;
  // Throws a RangeError for window bits outside 8..15, here rather than at the first handshake.
  deflateOfferParameters(negotiation);
  return {
    threshold: within('threshold', threshold ?? DEFAULT_DEFLATE_THRESHOLD, 0, Number.MAX_SAFE_INTEGER),
    level: within('level', level ?? constants.Z_DEFAULT_LEVEL, -1, 9),
    memLevel: within('memLevel', memLevel ?? constants.Z_DEFAULT_MEMLEVEL, 1, 9),
    limiter: zlibLimiter(concurrency ?? 10),
    negotiation,
  };
}

/**
 * One settings object per agreed parameter set, shared by every connection
 * that agreed to it: connections keep a pointer, not a copy, and endpoints are
 * pooled per settings object.
 */
export function withDeflate<S extends object>(settings: S, parameters: DeflateParameters): S & { readonly deflate: DeflateParameters } {
  let variants = perParameters.get(settings);
  if (variants === undefined) perParameters.set(settings, (variants = new Map()));
  const key = `${+parameters.serverNoContextTakeover}${+parameters.clientNoContextTakeover}${parameters.serverMaxWindowBits ?? 15}/${parameters.clientMaxWindowBits ?? 15}`;
  let variant = variants.get(key);
  if (variant === undefined) variants.set(key, (variant = { ...settings, deflate: parameters }));
  return variant as S & { readonly deflate: DeflateParameters };
}

const perParameters = new WeakMap<object, Map<string, object>>();

function within(name: string, value: number, min: number, max: number): number {
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw new RangeError(`perMessageDeflate.${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}
