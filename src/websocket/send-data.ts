/** What `send` takes: text as a string, binary as any byte container. */
export type SendData = string | Buffer | ArrayBuffer | ArrayBufferView;

/** The bytes of a message, without a copy where the container allows. */
export function toBytes(data: SendData): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data);
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError('send() takes a string, a Buffer, an ArrayBuffer or a typed array');
}
