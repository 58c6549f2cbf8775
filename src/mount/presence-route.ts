// `GET <prefix>/presence?room=<room>`: the room's members and the head id of its presence
// channel, as one consistent snapshot (docs/sessions.md, "Presence"). A page subscribes to
// `channel` with `since: headId` and applies each event: it misses nothing in between.
import { asError } from '../protocol/errors.js';
import { HubInputError } from '../protocol/hub/contract.js';
import type { PubSubAuthorize } from '../pubsub/pubsub-session.js';
import type { SseRequest, SseResponse } from '../sse/index.js';
import { sendJson } from './http-reply.js';
import type { MountPresence } from './mount-presence.js';

const NO_STORE = { 'cache-control': 'no-store' };

export async function servePresence(
  request: SseRequest,
  response: SseResponse,
  url: URL,
  presence: MountPresence | undefined,
  authorize: PubSubAuthorize<SseRequest> | undefined,
  onError: ((error: Error, request: SseRequest) => void) | undefined,
): Promise<void> {
  if (presence === undefined) return sendJson(response, 404, { error: 'presence is not enabled' });
  const room = url.searchParams.get('room');
  if (room === null || room.length === 0) return sendJson(response, 400, { error: 'name the room: ?room=<channel>' });
  if (!presence.isPresenceRoom(room)) return sendJson(response, 404, { error: 'not a presence room' });
  let channel: string;
  try {
    channel = presence.store.channelOf(room);
  } catch (error) {
    return sendJson(response, 400, { error: asError(error).message });
  }
  // The presence channel's own rule: whoever may subscribe to the room may see its members.
  // As for a subscribe, an `authorize` that throws says no.
  let allowed = false;
  try {
    allowed = authorize === undefined || (await authorize(request, channel, 'subscribe')) === true;
  } catch (error) {
    onError?.(asError(error), request);
  }
  if (!allowed) return sendJson(response, 403, { error: 'not allowed to subscribe to this room' });
  try {
    sendJson(response, 200, await presence.store.members(room), NO_STORE);
  } catch (error) {
    if (error instanceof HubInputError) return sendJson(response, 400, { error: error.message });
    sendJson(response, 503, { error: `presence unavailable: ${asError(error).message}` }, { 'retry-after': '1' });
  }
}
