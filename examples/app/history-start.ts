// History on join: where to subscribe from to get a channel's last messages replayed.
import type { Hub } from 'switchboard';
import { formatMessageId, parseMessageId } from 'switchboard/protocol';

/**
 * The id to subscribe `since` so that the last `count` messages of `channel` are
 * replayed (history on join): the channel's head id from a subscription's `live`
 * marker, `count` back.
 */
export async function historyStart(hub: Hub, channel: string, count: number): Promise<string> {
  let head: string | undefined;
  const subscription = await hub.subscribe(channel, (event) => {
    if (event.type === 'live') head = event.headId;
  });
  await subscription.unsubscribe();
  const position = head === undefined ? null : parseMessageId(head);
  if (position === null) throw new Error('the hub gave no head id');
  return formatMessageId(position.epoch, Math.max(0, position.offset - count));
}
