import { describe, expect, it } from 'vitest';
import { channelOfRequest } from '../../../src/protocol/hub/request-channel.js';

describe('channelOfRequest', () => {
  it('reads the channel query parameter by default and hands back the parsed URL', () => {
    const choice = channelOfRequest({ url: '/sse?channel=news&lastEventId=e-1' });
    expect(choice.ok).toBe(true);
    if (!choice.ok) return;
    expect(choice.channel).toBe('news');
    expect(choice.url.searchParams.get('lastEventId')).toBe('e-1');
  });

  it('decodes the parameter as a URL query does', () => {
    expect(channelOfRequest({ url: '/?channel=a%20b%2Fc' })).toMatchObject({ ok: true, channel: 'a b/c' });
  });

  it.each([{ url: '/' }, { url: '/?channel=' }, {}])('answers "missing channel" for %j', (request) => {
    expect(channelOfRequest(request)).toEqual({ ok: false, reason: 'missing channel' });
  });

  it('refuses a name the hub would refuse, before any answer is sent', () => {
    expect(channelOfRequest({ url: `/?channel=${'c'.repeat(256)}` })).toMatchObject({ ok: true });
    expect(channelOfRequest({ url: `/?channel=${'c'.repeat(257)}` })).toEqual({ ok: false, reason: 'channel must be a string of 1 to 256 characters' });
  });

  it('refuses a request target that is not a URL', () => {
    expect(channelOfRequest({ url: 'http://[' })).toEqual({ ok: false, reason: 'bad request target' });
  });

  it("uses the application's picker, with the request and the URL", () => {
    const request = { url: '/rooms/42', user: 'ann' };
    const choice = channelOfRequest(request, (req, url) => `${req.user}:${url.pathname.split('/')[2]}`);
    expect(choice).toMatchObject({ ok: true, channel: 'ann:42' });
  });

  it('turns what the picker returns or throws into a reason', () => {
    expect(channelOfRequest({ url: '/' }, () => null)).toEqual({ ok: false, reason: 'missing channel' });
    expect(channelOfRequest({ url: '/' }, () => undefined)).toEqual({ ok: false, reason: 'missing channel' });
    expect(
      channelOfRequest({ url: '/' }, () => {
        throw new Error('no such room');
      }),
    ).toEqual({ ok: false, reason: 'no such room' });
    expect(
      channelOfRequest({ url: '/' }, () => {
        throw 'plain string';
      }),
    ).toEqual({ ok: false, reason: 'plain string' });
  });
});
