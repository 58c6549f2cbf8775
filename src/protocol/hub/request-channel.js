// Which channel an HTTP request (an SSE stream, a long poll) is about: by default its
// `channel` query parameter, or what the application's picker returns. The name is checked
// here, before any answer, so a bad one is a 400 and never a stream that fails after its
// 200 (an EventSource would then retry it forever).
import { asError } from '../errors.js';
import { validateChannelName } from './contract.js';
/** The channel of `request` (its `url` being the request target, as Node gives it), validated. */
export function channelOfRequest(request, pick) {
    let url;
    try {
        url = new URL(request.url ?? '/', 'http://localhost');
    }
    catch {
        // An absolute-form target can be an unparsable URL (`http://[`).
        return { ok: false, reason: 'bad request target' };
    }
    let channel;
    try {
        channel = pick === undefined ? url.searchParams.get('channel') : pick(request, url);
        if (channel === null || channel === undefined || channel === '')
            return { ok: false, reason: 'missing channel' };
        validateChannelName(channel);
    }
    catch (error) {
        return { ok: false, reason: asError(error).message };
    }
    return { ok: true, channel, url };
}
//# sourceMappingURL=request-channel.js.map