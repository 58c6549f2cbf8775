// Which channel an HTTP request (an SSE stream, a long poll) is about: by default its
// `channel` query parameter, or what the application's picker returns. The name is checked
// here, before any answer, so a bad one is a 400 and never a stream that fails after its
// 200 (an EventSource would then retry it forever).
import { asError } from '../errors.js';
import { validateChannelName } from './contract.js';

/** Picks the channel of a request; null, undefined or '' means none (400). May throw (400, with its message). */
export type ChannelPicker<Request> = (request: Request, url: URL) => string | null | undefined;

export type ChannelChoice =
  /** `url` is the request target, parsed, for the caller's other query parameters. */
  | { readonly ok: true; readonly channel: string; readonly url: URL }
  /** Answer 400 with `reason`. */
  | { readonly ok: false; readonly reason: string };

/** The channel of `request` (its `url` being the request target, as Node gives it), validated. */
export function channelOfRequest<Request extends { readonly url?: string }>(request: Request, pick?: ChannelPicker<Request>): ChannelChoice {
  let url: URL;
  try {
    url = new URL(request.url ?? '/', 'http://localhost');
  } catch {
    // An absolute-form target can be an unparsable URL (`http://[`).
    return { ok: false, reason: 'bad request target' };
  }
  let channel: string | null | undefined;
  try {
    channel = pick === undefined ? url.searchParams.get('channel') : pick(request, url);
    if (channel === null || channel === undefined || channel === '') return { ok: false, reason: 'missing channel' };
    validateChannelName(channel);
  } catch (error) {
    return { ok: false, reason: asError(error).message };
  }
  return { ok: true, channel, url };
}
