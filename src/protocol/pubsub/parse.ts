// Validators for `switchboard.v1` frames. They never throw: any text yields either a
// typed message or a reason (plus the `ref` and `channel` when they could be read, so
// the server's error reply can say which request failed). Unknown fields are ignored,
// so later versions can add optional ones.
import { positiveInteger } from '../integer-option.js';
import {
  DEFAULT_PUBSUB_LIMITS,
  ERROR_CODES,
  GAP_REASONS,
  type ClientMessage,
  type PubSubErrorCode,
  type PubSubGapReason,
  type PubSubLimits,
  type ServerMessage,
} from './messages.js';

export type ParseResult<T> =
  | { readonly ok: true; readonly message: T }
  | { readonly ok: false; readonly reason: string; readonly ref?: string; readonly channel?: string };

/** Fills in defaults; every limit must be a positive safe integer. */
export function resolvePubSubLimits(limits: Partial<PubSubLimits> = {}): PubSubLimits {
  const resolved: PubSubLimits = { ...DEFAULT_PUBSUB_LIMITS, ...limits };
  for (const [name, value] of Object.entries(resolved)) positiveInteger(value, name);
  return resolved;
}

type Fields = Readonly<Record<string, unknown>>;

/** Thrown inside the validators only; turned into a failed result before leaving. */
class InvalidField {
  constructor(readonly reason: string) {}
}

// Event names travel to SSE subscribers too, where a line break would end the field.
const CR_OR_LF = /[\r\n]/;

export function parseClientMessage(text: string, limits: PubSubLimits = DEFAULT_PUBSUB_LIMITS): ParseResult<ClientMessage> {
  const fields = parseObject(text, limits.maxTextLength);
  if (fields instanceof InvalidField) return { ok: false, reason: fields.reason };
  // Read the correlation fields first: a publish with a bad `data` still gets its ref back.
  const ref = typeof fields.ref === 'string' && fields.ref.length <= limits.maxRefLength ? fields.ref : undefined;
  const channel =
    typeof fields.channel === 'string' && fields.channel.length > 0 && fields.channel.length <= limits.maxChannelLength
      ? fields.channel
      : undefined;
  try {
    return { ok: true, message: readClientMessage(fields, limits) };
  } catch (error) {
    return invalid(error, { ...(ref === undefined ? {} : { ref }), ...(channel === undefined ? {} : { channel }) });
  }
}

function readClientMessage(fields: Fields, limits: PubSubLimits): ClientMessage {
  switch (fields.type) {
    case 'subscribe': {
      const channel = readString(fields, 'channel', 1, limits.maxChannelLength);
      const since = readOptionalString(fields, 'since', 1, limits.maxIdLength);
      return since === undefined ? { type: 'subscribe', channel } : { type: 'subscribe', channel, since };
    }
    case 'unsubscribe':
      return { type: 'unsubscribe', channel: readString(fields, 'channel', 1, limits.maxChannelLength) };
    case 'publish': {
      const channel = readString(fields, 'channel', 1, limits.maxChannelLength);
      const data = readString(fields, 'data', 0, Infinity);
      const event = readEvent(fields, limits.maxEventLength);
      const ref = readOptionalString(fields, 'ref', 1, limits.maxRefLength);
      return { type: 'publish', channel, data, ...(event === undefined ? {} : { event }), ...(ref === undefined ? {} : { ref }) };
    }
    default:
      throw new InvalidField(typeof fields.type === 'string' ? `unknown message type "${fields.type.slice(0, 32)}"` : 'missing "type"');
  }
}

export function parseServerMessage(text: string, limits: PubSubLimits = DEFAULT_PUBSUB_LIMITS): ParseResult<ServerMessage> {
  const fields = parseObject(text, limits.maxTextLength);
  if (fields instanceof InvalidField) return { ok: false, reason: fields.reason };
  try {
    return { ok: true, message: readServerMessage(fields) };
  } catch (error) {
    return invalid(error, {});
  }
}

function readServerMessage(fields: Fields): ServerMessage {
  switch (fields.type) {
    case 'message': {
      const channel = readString(fields, 'channel', 1, Infinity);
      const id = readString(fields, 'id', 1, Infinity);
      const data = readString(fields, 'data', 0, Infinity);
      const event = readOptionalString(fields, 'event', 1, Infinity);
      return { type: 'message', channel, id, data, ...(event === undefined ? {} : { event }) };
    }
    case 'gap': {
      const channel = readString(fields, 'channel', 1, Infinity);
      const since = readString(fields, 'since', 1, Infinity);
      const reason = readString(fields, 'reason', 1, Infinity);
      if (!(GAP_REASONS as readonly string[]).includes(reason)) throw new InvalidField(`unknown gap reason "${reason.slice(0, 32)}"`);
      const first = fields.firstAvailableId;
      if (first !== null && (typeof first !== 'string' || first.length === 0)) throw new InvalidField('"firstAvailableId" must be a string or null');
      return { type: 'gap', channel, since, reason: reason as PubSubGapReason, firstAvailableId: first };
    }
    case 'subscribed':
      return { type: 'subscribed', channel: readString(fields, 'channel', 1, Infinity), headId: readString(fields, 'headId', 1, Infinity) };
    case 'unsubscribed':
      return { type: 'unsubscribed', channel: readString(fields, 'channel', 1, Infinity) };
    case 'published':
      return { type: 'published', ref: readString(fields, 'ref', 1, Infinity), id: readString(fields, 'id', 1, Infinity) };
    case 'ping': {
      const interval = fields.interval;
      if (typeof interval !== 'number' || !Number.isSafeInteger(interval) || interval <= 0) throw new InvalidField('"interval" must be a positive integer');
      return { type: 'ping', interval };
    }
    case 'restart': {
      const retry = fields.retry;
      if (typeof retry !== 'number' || !Number.isSafeInteger(retry) || retry < 0) throw new InvalidField('"retry" must be a non-negative integer');
      return { type: 'restart', retry };
    }
    case 'error': {
      const ref = readOptionalString(fields, 'ref', 1, Infinity);
      const channel = readOptionalString(fields, 'channel', 1, Infinity);
      const code = readString(fields, 'code', 1, Infinity);
      if (!(ERROR_CODES as readonly string[]).includes(code)) throw new InvalidField(`unknown error code "${code.slice(0, 32)}"`);
      const message = readString(fields, 'message', 0, Infinity);
      return {
        type: 'error',
        ...(ref === undefined ? {} : { ref }),
        ...(channel === undefined ? {} : { channel }),
        code: code as PubSubErrorCode,
        message,
      };
    }
    default:
      throw new InvalidField(typeof fields.type === 'string' ? `unknown message type "${fields.type.slice(0, 32)}"` : 'missing "type"');
  }
}

/** A failed result for bad input; anything else thrown is a bug and goes on up. */
function invalid(error: unknown, context: { readonly ref?: string; readonly channel?: string }): { ok: false; reason: string; ref?: string; channel?: string } {
  if (!(error instanceof InvalidField)) throw error;
  return { ok: false, reason: error.reason, ...context };
}

function parseObject(text: string, maxLength: number): Fields | InvalidField {
  if (typeof text !== 'string') return new InvalidField('a message must be a JSON text frame');
  if (text.length > maxLength) return new InvalidField(`message longer than ${maxLength} characters`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return new InvalidField('not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return new InvalidField('a message must be a JSON object');
  return value as Fields;
}

function readString(fields: Fields, name: string, minLength: number, maxLength: number): string {
  const value = fields[name];
  if (typeof value !== 'string') throw new InvalidField(`"${name}" must be a string`);
  if (value.length < minLength) throw new InvalidField(`"${name}" must not be empty`);
  if (value.length > maxLength) throw new InvalidField(`"${name}" longer than ${maxLength} characters`);
  return value;
}

function readOptionalString(fields: Fields, name: string, minLength: number, maxLength: number): string | undefined {
  return fields[name] === undefined ? undefined : readString(fields, name, minLength, maxLength);
}

function readEvent(fields: Fields, maxLength: number): string | undefined {
  const event = readOptionalString(fields, 'event', 1, maxLength);
  if (event !== undefined && CR_OR_LF.test(event)) throw new InvalidField('"event" must not contain CR or LF');
  return event;
}
