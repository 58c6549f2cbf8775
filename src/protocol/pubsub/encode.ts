// Encoders for `switchboard.v1` frames: JSON with a fixed key order (`type` first, so a
// reader can see what a frame is at a glance) and absent optional fields left out.
import type { ClientMessage, ServerMessage } from './messages.js';

export function encodeClientMessage(message: ClientMessage): string {
  switch (message.type) {
    case 'subscribe':
      return JSON.stringify({ type: message.type, channel: message.channel, since: message.since });
    case 'unsubscribe':
      return JSON.stringify({ type: message.type, channel: message.channel });
    case 'publish':
      return JSON.stringify({ type: message.type, channel: message.channel, data: message.data, event: message.event, ref: message.ref });
  }
}

export function encodeServerMessage(message: ServerMessage): string {
  switch (message.type) {
    case 'message':
      return JSON.stringify({ type: message.type, channel: message.channel, id: message.id, data: message.data, event: message.event });
    case 'gap':
      return JSON.stringify({
        type: message.type,
        channel: message.channel,
        since: message.since,
        reason: message.reason,
        firstAvailableId: message.firstAvailableId,
      });
    case 'subscribed':
      return JSON.stringify({ type: message.type, channel: message.channel, headId: message.headId });
    case 'unsubscribed':
      return JSON.stringify({ type: message.type, channel: message.channel });
    case 'published':
      return JSON.stringify({ type: message.type, ref: message.ref, id: message.id });
    case 'error':
      return JSON.stringify({ type: message.type, ref: message.ref, channel: message.channel, code: message.code, message: message.message });
    case 'ping':
      return JSON.stringify({ type: message.type, interval: message.interval });
    case 'restart':
      return JSON.stringify({ type: message.type, retry: message.retry });
  }
}
