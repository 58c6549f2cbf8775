/** The bytes of a message, without a copy where the container allows. */
export function toBytes(data) {
    if (typeof data === 'string')
        return Buffer.from(data);
    if (data instanceof Uint8Array)
        return data;
    if (ArrayBuffer.isView(data))
        return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (data instanceof ArrayBuffer)
        return new Uint8Array(data);
    throw new TypeError('send() takes a string, a Buffer, an ArrayBuffer or a typed array');
}
//# sourceMappingURL=send-data.js.map