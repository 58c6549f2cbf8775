import { randomFillSync } from 'node:crypto';

/** A source of 4-byte masking keys; injectable so tests and benchmarks can be deterministic. */
export type MaskKeySource = () => Uint8Array;

const POOL_SIZE = 8192;

/**
 * RFC 6455 §5.3 and §10.3: each client frame needs a fresh key from a strong
 * source of entropy, so an attacker's script cannot predict the bytes a proxy
 * sees. Keys are cut from a pool filled by the CSPRNG, which costs one system
 * call per 2,048 frames instead of one per frame.
 */
export function createMaskKeySource(): MaskKeySource {
  const pool = Buffer.allocUnsafe(POOL_SIZE);
  let offset = POOL_SIZE;
  return () => {
    if (offset === POOL_SIZE) {
      randomFillSync(pool);
      offset = 0;
    }
    // A copy, since the pool is overwritten on refill while the key may still be in use.
    const key = new Uint8Array(4);
    key.set(pool.subarray(offset, offset + 4));
    offset += 4;
    return key;
  };
}
