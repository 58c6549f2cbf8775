import fc from 'fast-check';
import { encodeClientMessage, encodeServerMessage } from '../../src/protocol/pubsub/encode.js';
import { parseClientMessage, parseServerMessage } from '../../src/protocol/pubsub/parse.js';
import { type FuzzTarget, Finding, check, defineTarget } from '../target.js';

// The switchboard.v1 message validators never throw: any text is a typed
// message or a reason. A typed message survives encode → parse unchanged.

const KEYS = ['type', 'channel', 'ref', 'since', 'data', 'event', 'id', 'reason', 'code', 'message', 'from', 'epoch', 'missed', 'head'];
const TYPES = ['subscribe', 'unsubscribe', 'publish', 'message', 'gap', 'subscribed', 'unsubscribed', 'published', 'error'];
const value = fc.oneof(
  fc.constantFrom(...TYPES),
  fc.constantFrom('expired', 'epoch-changed', 'unknown-id', 'bad-request', 'c', ''),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
);
const messageLike = fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })), value, { maxKeys: 7 }).map((o) => JSON.stringify(o));
const anyText = fc.oneof(messageLike, fc.json(), fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }), messageLike.map((s) => s.slice(0, Math.max(0, s.length - 1))));

function parseBoth(text: string): void {
  let client, server;
  try {
    client = parseClientMessage(text);
    server = parseServerMessage(text);
  } catch (error) {
    throw new Finding(`pub/sub parser threw ${String(error)} for ${JSON.stringify(text).slice(0, 200)}`);
  }
  if (client.ok) check(JSON.stringify(parseClientMessage(encodeClientMessage(client.message))) === JSON.stringify(client), 'client message changed through encode → parse');
  else check(typeof client.reason === 'string' && client.reason.length > 0, 'client failure without a reason');
  if (server.ok) check(JSON.stringify(parseServerMessage(encodeServerMessage(server.message))) === JSON.stringify(server), 'server message changed through encode → parse');
  else check(typeof server.reason === 'string' && server.reason.length > 0, 'server failure without a reason');
}

export const pubsubParse: FuzzTarget = defineTarget(
  {
    name: 'pubsub-parse',
    description: 'parseClientMessage/parseServerMessage on any text (message-shaped JSON, any JSON, any string): a typed result or a reason, never a throw; typed results survive encode → parse',
    weight: 2,
  },
  anyText,
  parseBoth,
);
