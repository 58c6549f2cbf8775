// Who is in a chat room: the mount's snapshot (GET /switchboard/presence), then the
// room's presence channel from the snapshot's head id, so no change is missed or
// applied twice (docs/sessions.md, "Presence"). A member is a browser (the
// `sb_member` cookie); its chip shows its name and the transport it is on.
import { el } from '/app/dom.js';

export function showPresence(client, room, element) {
  const members = new Map();
  const record = (window.switchboard.presence = { room, members: [] });
  let handler;
  let channel;
  let stopped = false;
  const render = () => {
    record.members = [...members.values()].map((m) => ({ id: m.id, ...m.info }));
    element.replaceChildren(`${members.size} here: `, ...[...members.values()].map((m) => el('span', {}, m.info?.name ?? m.id, el('small', {}, ` ${m.info?.transport ?? ''}`))));
  };
  const load = async () => {
    const answer = await fetch(`/switchboard/presence?room=${encodeURIComponent(`chat:${room}`)}`);
    if (!answer.ok || stopped) return;
    const snapshot = await answer.json();
    members.clear();
    for (const member of snapshot.members) members.set(member.id, member);
    render();
    if (handler !== undefined) client.unsubscribe(channel, handler);
    channel = snapshot.channel;
    handler = (event) => {
      if (event.type === 'gap') return void load(); // history of changes lost: start from a new snapshot
      if (event.type !== 'message') return;
      const { type, member } = JSON.parse(event.data);
      if (type === 'leave') members.delete(member.id);
      else members.set(member.id, member);
      render();
    };
    client.subscribe(channel, handler, { since: snapshot.headId });
  };
  void load();
  return () => {
    stopped = true;
    if (handler !== undefined) client.unsubscribe(channel, handler);
  };
}
