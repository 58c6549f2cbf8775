// Who is behind a request, from the cookies the pages set (public/identity.js):
// `sb_member`, a random id per browser; `sb_name`, the name to show; `sb_inspect`,
// set by the inspector page to have this browser's sessions traced.
import type { SwitchboardRequest } from 'switchboard';

/** The browser behind a request: its `sb_member` cookie, a random id the page sets; undefined without one. */
export function viewerOf(request: SwitchboardRequest): string | undefined {
  const id = parseCookies(request.headers.cookie).get('sb_member');
  return id !== undefined && /^[\w-]{1,64}$/.test(id) ? id : undefined;
}

/** The chat member behind a request: the viewer, shown as `sb_name`, with the session's transport. */
export function memberOf(request: SwitchboardRequest, _room: string, transport: string): { id: string; info: { name: string; transport: string } } | undefined {
  const id = viewerOf(request);
  if (id === undefined) return undefined;
  return { id, info: { name: (parseCookies(request.headers.cookie).get('sb_name') ?? id).slice(0, 40), transport } };
}

/** Whether this browser opened the inspector, which opts its sessions in to tracing. */
export function inspecting(request: SwitchboardRequest): boolean {
  return parseCookies(request.headers.cookie).get('sb_inspect') === '1';
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at === -1) continue;
    try {
      cookies.set(part.slice(0, at).trim(), decodeURIComponent(part.slice(at + 1).trim()));
    } catch {
      // A cookie that is not percent-encoded text is not one of ours.
    }
  }
  return cookies;
}
