// Chat: a room is the channel `chat:<room>`. Joining replays the last 50 messages
// (the server gives the id to subscribe `since`), then live ones; every message
// shows its hub id. Presence: who is in the room, and on which transport.
import { appendCapped, el } from '/app/dom.js';
import { showPresence } from '/app/presence.js';

const HISTORY = 50;

export function startChat(client, tab, identity) {
  const roomInput = document.getElementById('room');
  const nameInput = document.getElementById('name');
  const list = document.getElementById('messages');
  const text = document.getElementById('text');
  nameInput.value = identity.name;
  nameInput.addEventListener('change', () => {
    identity.rename(nameInput.value);
    // Presence reads the name from the cookies of the request that opened the session,
    // so the room sees a new name from the next session on; messages carry it at once.
  });

  let room;
  let handler;
  let stopPresence = () => {};
  const record = (window.switchboard.chat = { room: '', messages: [], gaps: [] });

  const onEvent = (event) => {
    if (event.type === 'message') {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      record.messages.push({ id: event.id, ...message });
      appendCapped(list, el('li', {}, el('span', { class: 'id' }, event.id), el('b', {}, `${message.name}: `), message.text, el('small', { class: 'muted' }, ` via ${message.transport}`)));
    } else if (event.type === 'gap') {
      record.gaps.push(event.reason);
      const why = event.reason === 'expired' ? 'older messages are no longer kept' : `history lost (${event.reason})`;
      appendCapped(list, el('li', { class: 'gap' }, `— ${why} —`));
    }
  };

  async function join(next) {
    if (handler !== undefined) client.unsubscribe(`chat:${room}`, handler);
    stopPresence();
    room = next;
    record.room = room;
    record.messages = [];
    list.replaceChildren();
    const channel = `chat:${room}`;
    const answer = await fetch(`/app/history?channel=${encodeURIComponent(channel)}&count=${HISTORY}`);
    const { since } = answer.ok ? await answer.json() : {};
    if (room !== next) return; // switched again meanwhile
    handler = onEvent;
    client.subscribe(channel, handler, since === undefined ? {} : { since });
    stopPresence = showPresence(client, room, document.getElementById('presence'));
  }

  roomInput.addEventListener('change', () => {
    const next = roomInput.value.trim().replace(/[^\w-]/g, '').slice(0, 64) || 'lobby';
    roomInput.value = next;
    void join(next);
  });
  document.getElementById('say').addEventListener('submit', (event) => {
    event.preventDefault();
    const said = text.value.trim();
    if (said === '') return;
    text.value = '';
    const message = { name: nameInput.value.slice(0, 40), text: said.slice(0, 2000), transport: client.transport };
    client.publish(`chat:${room}`, JSON.stringify(message)).catch((error) => {
      appendCapped(list, el('li', { class: 'gap' }, `not sent (${error.code ?? error.message}): ${said}`));
    });
  });
  void join(roomInput.value);
}
