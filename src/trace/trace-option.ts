import type { IncomingMessage } from 'node:http';

/**
 * Which requests (upgrades, event streams, polls) are traced: all (`true`),
 * none (`false`, the default), or as a function decides per request; a string
 * it returns labels the connection (e.g. the viewer id a page put in its URL),
 * to subscribe to a viewer's connections together (`subscribeTrace({ label })`).
 */
export type TraceOption<Request = IncomingMessage> = boolean | ((request: Request) => boolean | string | undefined);

/** Whether to trace, and with which label: undefined for not at all. */
export function decideTrace<Request>(option: TraceOption<Request>, request: Request): { label?: string } | undefined {
  const decided = typeof option === 'function' ? option(request) : option;
  if (decided === false || decided === undefined) return undefined;
  return typeof decided === 'string' ? { label: decided } : {};
}
