/**
 * SHA-256 and HMAC-SHA256 in plain TypeScript, synchronous. WebCrypto is async and would force every
 * fingerprint through a promise; these run in a few microseconds for the short inputs the engine
 * hashes (keys, masked templates), identically in workerd, Node and the browser.
 */

import { encodeUtf8 } from './utf8';

// Int32Array, not Uint32Array: words above 2^31 would leave V8's int32 fast path for doubles.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const W = new Int32Array(64);
const encoder = new TextEncoder();

function compress(state: Int32Array, block: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    W[i] = ((block[j] as number) << 24) | ((block[j + 1] as number) << 16) | ((block[j + 2] as number) << 8) | (block[j + 3] as number);
  }
  compressW(state);
}

/** One block already in W[0..15], as 32-bit words. */
function compressW(state: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15] as number;
    const w2 = W[i - 2] as number;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = ((W[i - 16] as number) + s0 + (W[i - 7] as number) + s1) | 0;
  }
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  let e = state[4] as number;
  let f = state[5] as number;
  let g = state[6] as number;
  let h = state[7] as number;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + (K[i] as number) + (W[i] as number)) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
  state[4] = ((state[4] as number) + e) | 0;
  state[5] = ((state[5] as number) + f) | 0;
  state[6] = ((state[6] as number) + g) | 0;
  state[7] = ((state[7] as number) + h) | 0;
}

const STATE = new Int32Array(8);
const TAIL = new Uint8Array(128);
const TAIL_VIEW = new DataView(TAIL.buffer);

/**
 * SHA-256 of the first `length` bytes of `data` into `out`, continuing from `init` (a precomputed
 * state) after `prefixBytes` already hashed. Works in preallocated buffers, with no views: the engine
 * hashes a dozen short strings a request.
 */
function digestInto(out: Uint8Array, data: Uint8Array, length: number, init: ArrayLike<number> = IV, prefixBytes = 0): Uint8Array {
  hashInState(data, length, init, prefixBytes);
  return stateBytes(out);
}

/** SHA-256 as `digestInto` computes it, left in STATE as words. */
function hashInState(data: Uint8Array, length: number, init: ArrayLike<number>, prefixBytes: number): void {
  STATE.set(init);
  const full = length - (length % 64);
  for (let off = 0; off < full; off += 64) compress(STATE, data, off);
  const tailLen = length - full;
  const tailSize = tailLen < 56 ? 64 : 128;
  TAIL.fill(0, 0, tailSize);
  for (let i = 0; i < tailLen; i++) TAIL[i] = data[full + i] as number;
  TAIL[tailLen] = 0x80;
  const bits = (prefixBytes + length) * 8;
  TAIL_VIEW.setUint32(tailSize - 8, Math.floor(bits / 0x100000000));
  TAIL_VIEW.setUint32(tailSize - 4, bits >>> 0);
  for (let off = 0; off < tailSize; off += 64) compress(STATE, TAIL, off);
}

/** STATE's words as the digest's bytes, into `out`. */
function stateBytes(out: Uint8Array): Uint8Array {
  for (let i = 0; i < 8; i++) {
    const w = STATE[i] as number;
    out[i * 4] = w >>> 24;
    out[i * 4 + 1] = (w >>> 16) & 0xff;
    out[i * 4 + 2] = (w >>> 8) & 0xff;
    out[i * 4 + 3] = w & 0xff;
  }
  return out;
}

export function sha256(input: string | Uint8Array): Uint8Array {
  if (typeof input !== 'string') return digestInto(new Uint8Array(32), input, input.length);
  const { bytes, length } = encodeUtf8(input);
  return digestInto(new Uint8Array(32), bytes, length);
}

const HEX_CODES = Array.from('0123456789abcdef', (ch) => ch.charCodeAt(0));
const codes: number[] = [];

/**
 * Hex of the first `length` bytes, after `prefix`, built as one flat string: ids are Map keys and are
 * compared and hashed often, and a string built by `+=` is a rope V8 must flatten first.
 */
export function toHex(bytes: Uint8Array, length = bytes.length, prefix = ''): string {
  codes.length = 0;
  for (let i = 0; i < prefix.length; i++) codes.push(prefix.charCodeAt(i));
  for (let i = 0; i < length; i++) {
    const b = bytes[i] as number;
    codes.push(HEX_CODES[b >>> 4] as number, HEX_CODES[b & 15] as number);
  }
  return String.fromCharCode.apply(null, codes);
}

/** HMAC-SHA256 with a fixed key: the padded key blocks are hashed once, at construction. */
export class Hmac {
  private readonly inner: Int32Array;
  private readonly outer: Int32Array;

  constructor(key: string | Uint8Array) {
    let k = typeof key === 'string' ? encoder.encode(key) : key;
    if (k.length > 64) k = sha256(k);
    const ipad = new Uint8Array(64).fill(0x36);
    const opad = new Uint8Array(64).fill(0x5c);
    for (let i = 0; i < k.length; i++) {
      ipad[i] = (ipad[i] as number) ^ (k[i] as number);
      opad[i] = (opad[i] as number) ^ (k[i] as number);
    }
    this.inner = new Int32Array(IV);
    compress(this.inner, ipad, 0);
    this.outer = new Int32Array(IV);
    compress(this.outer, opad, 0);
  }

  digest(message: string | Uint8Array, out = new Uint8Array(32)): Uint8Array {
    if (typeof message === 'string') {
      const { bytes, length } = encodeUtf8(message);
      hashInState(bytes, length, this.inner, 64);
    } else hashInState(message, message.length, this.inner, 64);
    // The outer message is the inner digest: one block whose words are STATE's, then the padding for
    // 64 + 32 bytes. Set as words, it skips the inner digest's bytes and the tail's byte-by-byte build.
    for (let i = 0; i < 8; i++) W[i] = STATE[i] as number;
    W[8] = 0x80000000 | 0;
    W.fill(0, 9, 15);
    W[15] = (64 + 32) * 8;
    STATE.set(this.outer);
    compressW(STATE);
    return stateBytes(out);
  }

  /** Hex of the first `bytes` bytes (after `prefix`): a compact, keyed identifier. */
  private readonly hexOut = new Uint8Array(32);

  hex(message: string | Uint8Array, bytes = 8, prefix = ''): string {
    return toHex(this.digest(message, this.hexOut), bytes, prefix);
  }

  /** The first 32 bits, for keyed sketches (SimHash, HyperLogLog, frame ids). */
  u32(message: string): number {
    const d = this.digest(message, this.hexOut);
    return (((d[0] as number) << 24) | ((d[1] as number) << 16) | ((d[2] as number) << 8) | (d[3] as number)) >>> 0;
  }
}
