// Who this browser is, for the server: cookies set before the first connection
// carries them. `sb_member`, a random id (presence's member, the inspector's viewer);
// `sb_name`, the name to show.

export function setCookie(name, value) {
  document.cookie = `${name}=${encodeURIComponent(value)}; path=/; max-age=31536000; samesite=lax`;
}

const member = /(?:^|; )sb_member=([\w-]+)/.exec(document.cookie)?.[1] ?? Math.random().toString(36).slice(2, 12);
setCookie('sb_member', member);

export const identity = {
  member,
  name: localStorage.getItem('switchboard-name') ?? `guest-${member.slice(0, 4)}`,
  rename(name) {
    identity.name = name;
    localStorage.setItem('switchboard-name', name);
    setCookie('sb_name', name);
  },
};
setCookie('sb_name', identity.name);
