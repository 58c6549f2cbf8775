// The JSON text inside a shared fan-out frame, for the transports that are not WebSockets.
//
// A channel's fan-out encodes each message once, as a whole WebSocket text frame shared by
// every local subscriber (channel-fanout.ts). Server frames are never masked (RFC 6455
// §5.1), so the frame is its header (src/protocol/websocket/frame-header.ts: 2 bytes, plus
// 2 or 8 of extended length when the 7-bit length is 126 or 127) followed by the payload
// as it is: stripping the header gives back the message's JSON. It is decoded once per
// frame, however many SSE or poll sessions it goes to.
const texts = new WeakMap();
export function frameText(frame) {
    let text = texts.get(frame);
    if (text === undefined) {
        const length7 = frame[1] & 0x7f;
        const headerSize = length7 < 126 ? 2 : length7 === 126 ? 4 : 10;
        text = frame.toString('utf8', headerSize);
        texts.set(frame, text);
    }
    return text;
}
//# sourceMappingURL=frame-text.js.map