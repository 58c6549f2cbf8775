import { FrameParser, type ParserEvent, ProtocolError, type Role } from '../../src/protocol/websocket/index.js';

/**
 * What a test peer has received: the exact bytes, and the same bytes parsed by
 * the project's `FrameParser` in the peer's role (a client reads unmasked server
 * frames, a server masked client frames, §5.3). Shared by the TCP peer
 * (raw-websocket-client.ts) and the socket-free one (sans-io-peer.ts).
 */
export class FrameRecorder {
  /** Every parsed event, in order: messages, pings, pongs, the close frame. */
  readonly events: ParserEvent[] = [];
  /** Set when the other end's frames broke the protocol (for the code under test, it never should). */
  parseError: ProtocolError | undefined;

  private readonly chunks: Buffer[] = [];
  private readonly parser: FrameParser;

  /** `allowedRsv` 4 reads RSV1 frames (permessage-deflate agreed): the messages stay compressed, with `rsv` 4. */
  constructor(role: Role, allowedRsv = 0) {
    this.parser = new FrameParser({
      role,
      allowedRsv,
      onEvent: (event) => {
        this.events.push(event);
        this.onFrame();
      },
    });
  }

  /** Everything the other end sent, as one buffer. */
  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** The other end's close frame, once it arrived. */
  get closeFrame(): { code: number; reason: string } | undefined {
    const event = this.events.find((candidate) => candidate.type === 'close');
    return event?.type === 'close' ? { code: event.code, reason: event.reason } : undefined;
  }

  /** Messages received, as `{ binary, data }`. */
  get messages(): { binary: boolean; data: Buffer }[] {
    return this.events.flatMap((event) => (event.type === 'message' ? [{ binary: event.binary, data: event.data }] : []));
  }

  /** Called after each parsed event (a peer that others wait on wakes them here). */
  protected onFrame(): void {}

  /** Records bytes from the other end as they are, and parses them. */
  protected record(bytes: Buffer): void {
    this.chunks.push(bytes);
    if (this.parseError) return;
    try {
      // The parser works in place on what it is given; keep the recorded bytes pristine.
      this.parser.push(Buffer.from(bytes));
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.parseError = error;
    }
  }
}
