/** Small keyed sketches: a 32-bit string hash with a secret seed, 64-bit SimHash, HyperLogLog. */

/**
 * murmur3-style 32-bit hash of a string with a seed. Used for per-token sketch hashing where a full
 * HMAC per token would cost too much; the seed is derived from the pepper so sketches stay keyed.
 */
export function hash32(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    let k = text.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= text.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Features beyond this add little to a near-duplicate test and cost 64 steps each. */
const SIMHASH_FEATURES = 64;

/** A 64-bit SimHash as a 16-hex-digit string (two 32-bit halves), over the given features. */
export function simhash64(features: readonly string[], seed: number): string {
  if (features.length === 0) return '0000000000000000';
  const acc = new Int32Array(64);
  for (let i = 0; i < features.length && i < SIMHASH_FEATURES; i++) {
    const f = features[i] as string;
    const lo = hash32(f, seed);
    // The high half from the low one by a murmur finaliser: one pass over the string, not two.
    let hi = Math.imul(lo ^ (lo >>> 16), 0x85ebca6b);
    hi = Math.imul(hi ^ (hi >>> 13), 0xc2b2ae35);
    hi = (hi ^ (hi >>> 16)) >>> 0;
    for (let b = 0; b < 32; b++) {
      acc[b] = (acc[b] as number) + ((lo >>> b) & 1 ? 1 : -1);
      acc[b + 32] = (acc[b + 32] as number) + ((hi >>> b) & 1 ? 1 : -1);
    }
  }
  let lo = 0;
  let hi = 0;
  for (let b = 0; b < 32; b++) {
    if ((acc[b] as number) > 0) lo |= 1 << b;
    if ((acc[b + 32] as number) > 0) hi |= 1 << b;
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}

function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
}

/** Hamming distance between two SimHash hex strings. */
export function hamming64(a: string, b: string): number {
  const ahi = Number.parseInt(a.slice(0, 8), 16);
  const alo = Number.parseInt(a.slice(8), 16);
  const bhi = Number.parseInt(b.slice(0, 8), 16);
  const blo = Number.parseInt(b.slice(8), 16);
  return popcount32((ahi ^ bhi) >>> 0) + popcount32((alo ^ blo) >>> 0);
}

/**
 * HyperLogLog with 2^6 = 64 registers (about 13% standard error) as a plain number array, so it
 * serialises anywhere and updates in place. Linear counting makes small cardinalities nearly exact.
 */
export const HLL_REGISTERS = 64;
export type Hll = number[];

export function hllEmpty(): Hll {
  return new Array(HLL_REGISTERS).fill(0);
}

/** Add a 32-bit hash in place. */
export function hllAdd(sketch: Hll, hash: number): void {
  const index = hash >>> 26; // top 6 bits pick the register
  const rest = (hash << 6) >>> 0;
  const rank = rest === 0 ? 27 : Math.clz32(rest) + 1;
  if (rank > (sketch[index] as number)) sketch[index] = rank;
}

const INV_POW2 = Float64Array.from({ length: 33 }, (_, r) => 2 ** -r);

/** Distinct count of one sketch, or of the union of two (register-wise maximum) without building it. */
export function hllCount(a: Hll, b?: Hll): number {
  const m = HLL_REGISTERS;
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < m; i++) {
    const x = a[i] as number;
    const y = b ? (b[i] as number) : 0;
    const r = Math.max(x, y);
    sum += INV_POW2[r] as number;
    if (r === 0) zeros++;
  }
  const alpha = 0.709; // alpha_64
  const estimate = (alpha * m * m) / sum;
  if (estimate <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
  return Math.round(estimate);
}
