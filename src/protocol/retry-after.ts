// `Retry-After` (RFC 9110 §10.2.3): how long a client is asked to wait, either
// `delay-seconds` (a non-negative integer) or an HTTP-date. Pure: the caller gives the clock.

/** The wait in ms that a `Retry-After` value asks for, or undefined when there is none or it is unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  // delay-seconds = 1*DIGIT (RFC 9110 §10.2.3); very long ones are kept finite.
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, 2 ** 31 - 1);
  // HTTP-date (RFC 9110 §5.6.7): a date already past means at once.
  const date = Date.parse(text);
  if (Number.isNaN(date) || !/GMT$/.test(text)) return undefined;
  return Math.max(0, date - now);
}
