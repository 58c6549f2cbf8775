// The JSON bodies of the long-polling protocol, shared by the handler and the client.
import type { GapNotice } from '../protocol/hub/contract.js';

export interface LongPollMessage {
  readonly id: string;
  readonly event?: string;
  readonly data: string;
}

/** The hub's gap notice, as every transport sends it. */
export type LongPollGap = GapNotice;

/** `GET` answer: what came after the cursor (possibly nothing) and the cursor to send next. */
export interface LongPollResponse {
  readonly cursor: string;
  readonly messages: readonly LongPollMessage[];
  readonly gap?: LongPollGap;
}

/** `POST` body: one client → server message. */
export interface LongPollPost {
  readonly data: string;
  readonly event?: string;
}

/** Checks a parsed `GET` body, so a client never acts on a malformed answer. */
export function isLongPollResponse(value: unknown): value is LongPollResponse {
  if (typeof value !== 'object' || value === null) return false;
  const body = value as Record<string, unknown>;
  if (typeof body.cursor !== 'string' || !Array.isArray(body.messages)) return false;
  for (const message of body.messages as unknown[]) {
    if (typeof message !== 'object' || message === null) return false;
    const m = message as Record<string, unknown>;
    if (typeof m.id !== 'string' || typeof m.data !== 'string') return false;
    if (m.event !== undefined && typeof m.event !== 'string') return false;
  }
  if (body.gap !== undefined) {
    if (typeof body.gap !== 'object' || body.gap === null) return false;
    const gap = body.gap as Record<string, unknown>;
    if (typeof gap.reason !== 'string' || typeof gap.since !== 'string') return false;
    if (gap.firstAvailableId !== null && typeof gap.firstAvailableId !== 'string') return false;
  }
  return true;
}

/** Checks a parsed `POST` body. */
export function isLongPollPost(value: unknown): value is LongPollPost {
  if (typeof value !== 'object' || value === null) return false;
  const body = value as Record<string, unknown>;
  return typeof body.data === 'string' && (body.event === undefined || typeof body.event === 'string');
}
