import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryIo } from '../support/cli/memory-io.js';

async function inspect(args: string[], stdin?: string) {
  const memory = memoryIo();
  if (stdin !== undefined) memory.stdin.end(stdin);
  const status = await runCli(['inspect', ...args], memory.io);
  return { status, out: memory.stdout(), err: memory.stderr() };
}

describe('switchboard inspect', () => {
  it('annotates a masked frame given as arguments: fields, bits, unmasking, text', async () => {
    const { status, out } = await inspect(['81', '85', '37fa213d', '7f9f4d5158']);
    expect(status).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe('frame 1 at byte 0: text FIN MASK key 37fa213d, 5-byte payload (7-bit length) "Hello", 11 bytes on the wire (header 6)');
    expect(lines[1]).toBe('  81 85 37 fa 21 3d | 7f 9f 4d 51 58');
    expect(out).toMatch(/\[0\] +1\.{7} +FIN +true +1: the final fragment/);
    expect(out).toMatch(/\[0\] +\.{4}0001 +opcode +0x1 text/);
    expect(out).toMatch(/\[1\] +\.0000101 +payload length +5/);
    expect(out).toMatch(/\[2-5\] +37 fa 21 3d +masking key/);
    expect(out).toContain('unmasking (§5.3, byte i XOR key[i mod 4]): 7f^37=48 9f^fa=65 4d^21=6c 51^3d=6c 58^37=6f');
    expect(out).toContain('text: "Hello"');
  });

  it('reads hex from stdin: several frames, a masked close code shown unmasked, notes', async () => {
    const { status, out } = await inspect([], '0x01 0x03 48 65 6c\n80:02:6c:6f\n88 82 12 34 56 78 11 dc\n');
    expect(status).toBe(0);
    expect(out).toContain('frame 2 at byte 5: continuation FIN unmasked');
    expect(out).toMatch(/\[6-7\] +03 e8\* +close code +1000 +1000: Normal Closure .*\(\* unmasked\)/);
    const long = await inspect([`82 7e 00 20 ${'00 '.repeat(32)}`]);
    expect(long.out).toContain('00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 … (32 bytes)');
    expect(long.out).toContain('note: the length 32 is not in its shortest form');
  });

  it('says when the bytes end inside a frame, or cannot be followed', async () => {
    const partial = await inspect(['81 05 48']);
    expect(partial).toMatchObject({ status: 1, out: 'incomplete frame: 3 more bytes given, the frame needs more\n' });
    const oneByte = await inspect(['81 00 81']);
    expect(oneByte.status).toBe(0);
    expect(oneByte.out).toContain('\nincomplete frame: 1 more byte given');
    const broken = await inspect(['82 7f 80 00 00 00 00 00 00 00']);
    expect(broken.status).toBe(1);
    expect(broken.out).toContain('cannot read further: frame at byte 0: a 64-bit payload length must have its most significant bit clear');
  });

  it('explains Sec-WebSocket-Accept, and checks an answer', async () => {
    const { status, out } = await inspect(['--accept', 'dGhlIHNhbXBsZSBub25jZQ==']);
    expect(status).toBe(0);
    expect(out).toContain('4. base64      s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect((await inspect(['--accept', 'dGhlIHNhbXBsZSBub25jZQ==', '--expect', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='])).status).toBe(0);
    const wrong = await inspect(['--accept', 'dGhlIHNhbXBsZSBub25jZQ==', '--expect', 'xyz']);
    expect(wrong.status).toBe(1);
    expect(wrong.out).toContain('5. compare');
  });

  it('refuses what is not hex, nothing at all, and --expect alone', async () => {
    expect(await inspect(['8g'])).toMatchObject({ status: 2, err: expect.stringContaining('Not a hex digit: "g"') });
    expect(await inspect([], '')).toMatchObject({ status: 2, err: expect.stringContaining('inspect needs hex bytes') });
    expect(await inspect(['--expect', 'x'])).toMatchObject({ status: 2, err: expect.stringContaining('--expect goes with --accept') });
  });
});
