import { randomFillSync } from 'node:crypto';
const POOL_SIZE = 8192;
/**
 * RFC 6455 §5.3 and §10.3: each client frame needs a fresh key from a strong
 * source of entropy, so an attacker's script cannot predict the bytes a proxy
 * sees. Keys are cut from a pool filled by the CSPRNG, which costs one system
 * call per 2,048 frames instead of one per frame, and are written straight into
 * the frame header.
 */
export function createMaskKeySource() {
    const pool = Buffer.allocUnsafe(POOL_SIZE);
    let offset = POOL_SIZE;
    return (target, at) => {
        if (offset === POOL_SIZE) {
            randomFillSync(pool);
            offset = 0;
        }
        target[at] = pool[offset];
        target[at + 1] = pool[offset + 1];
        target[at + 2] = pool[offset + 2];
        target[at + 3] = pool[offset + 3];
        offset += 4;
    };
}
//# sourceMappingURL=mask-key.js.map