import { describe, expect, it } from 'vitest';
import { Hmac, sha256, toHex } from '../../../src/engine/hash/sha256';

const subtleSha = async (bytes: Uint8Array) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
const subtleHmac = async (key: string, bytes: Uint8Array) => {
  const k = await crypto.subtle.importKey('raw', new TextEncoder().encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, bytes));
};

describe('SHA-256 and HMAC-SHA256 in plain TypeScript', () => {
  // Lengths around the padding boundaries (55/56 bytes leave one or two tail blocks) and past one block.
  const lengths = [0, 1, 3, 31, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 200, 1000];

  it('match WebCrypto for strings (ASCII and multi-byte) and bytes at every padding boundary', async () => {
    const hmac = new Hmac('pepper-ü');
    for (const n of lengths) {
      for (const text of ['a'.repeat(n), 'é€😀x'.repeat(n).slice(0, n)]) {
        const bytes = new TextEncoder().encode(text);
        expect(toHex(sha256(text)), `sha256 of ${n} chars`).toBe(toHex(await subtleSha(bytes)));
        expect(toHex(sha256(bytes))).toBe(toHex(await subtleSha(bytes)));
        expect(toHex(hmac.digest(text)), `hmac of ${n} chars`).toBe(toHex(await subtleHmac('pepper-ü', bytes)));
        expect(hmac.hex(bytes, 8)).toBe(toHex(await subtleHmac('pepper-ü', bytes), 8));
      }
    }
    // A key longer than a block is hashed first.
    const long = 'k'.repeat(100);
    expect(toHex(new Hmac(long).digest('m'))).toBe(toHex(await subtleHmac(long, new TextEncoder().encode('m'))));
  });
});
