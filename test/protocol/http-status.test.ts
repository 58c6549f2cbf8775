import { STATUS_CODES } from 'node:http';
import { describe, expect, it } from 'vitest';
import { STATUS_REASONS, reasonPhrase, statusLine } from '../../src/protocol/http-status.js';
import { buildAcceptResponse, buildRejectResponse } from '../../src/protocol/websocket/index.js';

// Every status the library itself writes (grep src/ and examples/ for writeHead,
// sendJson, reject, refuse): each must carry its RFC 9110 §15 reason phrase.
const WRITTEN: ReadonlyArray<[number, string]> = [
  [101, 'Switching Protocols'],
  [200, 'OK'],
  [400, 'Bad Request'],
  [401, 'Unauthorized'],
  [403, 'Forbidden'],
  [404, 'Not Found'],
  [405, 'Method Not Allowed'],
  [408, 'Request Timeout'],
  [413, 'Content Too Large'],
  [426, 'Upgrade Required'],
  [431, 'Request Header Fields Too Large'],
  [500, 'Internal Server Error'],
  [503, 'Service Unavailable'],
];

describe('reason phrases', () => {
  it.each(WRITTEN)('%i reads "%s"', (status, phrase) => {
    expect(reasonPhrase(status)).toBe(phrase);
    expect(statusLine(status)).toBe(`HTTP/1.1 ${status} ${phrase}`);
  });

  it('agrees with the registry Node carries, apart from the two names RFC 9110 changed', () => {
    // RFC 9110 renamed 413 ("Payload Too Large") and 422 ("Unprocessable Entity").
    const renamed = new Set([413, 422]);
    for (const [code, phrase] of Object.entries(STATUS_REASONS)) {
      if (!renamed.has(Number(code))) expect([code, phrase]).toEqual([code, STATUS_CODES[code]]);
    }
  });

  it('names the class of an unregistered code (RFC 9110 §15), and says "Unknown" outside 100–599', () => {
    expect(reasonPhrase(199)).toBe('Informational');
    expect(reasonPhrase(299)).toBe('Successful');
    expect(reasonPhrase(399)).toBe('Redirection');
    expect(reasonPhrase(418)).toBe('Client Error');
    expect(reasonPhrase(599)).toBe('Server Error');
    expect(reasonPhrase(99)).toBe('Unknown');
    expect(reasonPhrase(600)).toBe('Unknown');
    expect(reasonPhrase(404.5)).toBe('Unknown');
  });

  it('a rejection starts with the full status line; an empty reason becomes the phrase as body', () => {
    expect(buildRejectResponse(408, '').startsWith('HTTP/1.1 408 Request Timeout\r\n')).toBe(true);
    expect(buildRejectResponse(408, '').endsWith('\r\n\r\nRequest Timeout')).toBe(true);
    expect(buildAcceptResponse({ key: 'dGhlIHNhbXBsZSBub25jZQ==' }).startsWith('HTTP/1.1 101 Switching Protocols\r\n')).toBe(true);
  });
});
