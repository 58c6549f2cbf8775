// The inspector's bytes-per-message chart: the sample messages (chat, cursor, 1 KiB
// document) sent over every transport by `measureTransportBytes`, grouped by kind.
import { SAMPLE_MESSAGES, measureTransportBytes, sampleMessages, type TransportName } from './transport-bytes.js';

export interface TransportBytesSummary {
  readonly measuredAt: string;
  readonly kinds: ReadonlyArray<{
    readonly kind: string;
    readonly payloadBytes: number;
    /** Mean bytes per message (both directions) on each transport, measured. */
    readonly transports: ReadonlyArray<{ readonly transport: TransportName; readonly label: string; readonly bytes: number }>;
  }>;
  /** One-time setup cost of each transport (both directions). */
  readonly handshakes: ReadonlyArray<{ readonly label: string; readonly bytes: number }>;
}

const PER_KIND = 5;

export async function summarizeTransportBytes(): Promise<TransportBytesSummary> {
  const kinds = Object.keys(SAMPLE_MESSAGES);
  const rows = await measureTransportBytes({ messages: sampleMessages(PER_KIND * kinds.length) });
  return {
    measuredAt: new Date().toISOString(),
    kinds: kinds.map((kind, k) => ({
      kind,
      payloadBytes: Buffer.byteLength(Object.values(SAMPLE_MESSAGES)[k]),
      transports: rows.map((row) => {
        const mine = row.perMessage.filter((_, index) => index % kinds.length === k);
        const sum = mine.reduce((total, bytes) => total + bytes.serverToClient + bytes.clientToServer, 0);
        return { transport: row.transport, label: row.label, bytes: Math.round((sum / mine.length) * 10) / 10 };
      }),
    })),
    handshakes: rows.map((row) => ({ label: row.label, bytes: row.handshake.serverToClient + row.handshake.clientToServer })),
  };
}
