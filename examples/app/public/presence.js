// Who is in a room: filled in once the hub's presence lands.
export function showPresence(client, room, element) {
  element.textContent = '';
  return () => {};
}
