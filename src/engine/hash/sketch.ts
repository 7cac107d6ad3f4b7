/** Small keyed sketches: a 32-bit string hash with a secret seed, a template fold, HyperLogLog (SimHash: simhash.ts). */

/**
 * murmur3-style 32-bit hash of a string with a seed. Used for per-token sketch hashing where a full
 * HMAC per token would cost too much; the seed is derived from the pepper so sketches stay keyed.
 */
export function hash32(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) h = hash32Step(h, text.charCodeAt(i));
  return hash32Final(h, text.length);
}

/** One character of `hash32`: a tokenizer hashes each word as it scans it, without re-reading it. */
export function hash32Step(h: number, c: number): number {
  let k = Math.imul(c, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  const x = h ^ k;
  return (Math.imul((x << 13) | (x >>> 19), 5) + 0xe6546b64) | 0;
}

/** The end of `hash32` over `length` characters. */
export function hash32Final(h: number, length: number): number {
  let x = h ^ length;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
export function fmix32(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Seeded hash32 of each word: what the tokenizer computes while it scans (tested equal), for callers
 * that hold words already.
 */
export function wordHashes(words: readonly string[], seed: number): Uint32Array {
  return Uint32Array.from(words, (w) => hash32(w, seed));
}

/**
 * Order-sensitive 64-bit fold of a word sequence, as `hi.lo.count` hex: what a template's keyed hash
 * is taken over, so a 400-word template costs one HMAC block.
 */
export function foldWords(hashes: Uint32Array, from = 0, to = hashes.length): string {
  let h1 = 0x2545f491;
  let h2 = 0x6b43a9b5;
  for (let i = from; i < to; i++) {
    const k = hashes[i] as number;
    h1 = (Math.imul(((h1 ^ k) << 13) | ((h1 ^ k) >>> 19), 5) + 0xe6546b64) | 0;
    h2 = (Math.imul(((h2 + k) << 17) | ((h2 + k) >>> 15), 0x1b873593) ^ 0x7f4a7c15) | 0;
  }
  return `${fmix32(h1 ^ (to - from)).toString(16)}.${fmix32(h2 + h1).toString(16)}.${to - from}`;
}

/**
 * HyperLogLog with 2^6 = 64 registers (about 13% standard error) as a plain number array, so it
 * serialises anywhere and updates in place. A sketch starts sparse: the exact list of its first
 * `SPARSE_MAX` distinct hashes (shorter than 64, which is how it is told apart), so the many clusters
 * one principal touches once cost one number each, and small counts are exact. Past that it becomes
 * the 64 registers. A stored 64-register sketch from before is read as it is.
 */
export const HLL_REGISTERS = 64;
const SPARSE_MAX = 12;
export type Hll = number[];

export function hllEmpty(): Hll {
  return [];
}

/**
 * A sketch of one hash, allocated at its size: a first push into an empty array reserves 17 slots, and
 * most clusters keep their one-principal sketches for a whole window (a day's replay held ~450 bytes
 * of such slots per new cluster).
 */
export function hllOf(hash: number): Hll {
  return [hash >>> 0];
}

const isSparse = (sketch: Hll) => sketch.length < HLL_REGISTERS;

function registerAdd(registers: { [i: number]: number }, hash: number): boolean {
  const index = hash >>> 26; // top 6 bits pick the register
  const rest = (hash << 6) >>> 0;
  const rank = rest === 0 ? 27 : Math.clz32(rest) + 1;
  if (rank <= (registers[index] as number)) return false;
  registers[index] = rank;
  return true;
}

/** Add a 32-bit hash in place; false when the sketch already counted it (its count cannot change). */
export function hllAdd(sketch: Hll, hash: number): boolean {
  const h = hash >>> 0;
  if (isSparse(sketch)) {
    if (sketch.includes(h)) return false;
    if (sketch.length < SPARSE_MAX) {
      sketch.push(h);
      return true;
    }
    const hashes = sketch.splice(0, sketch.length);
    for (let i = 0; i < HLL_REGISTERS; i++) sketch.push(0);
    for (const x of hashes) registerAdd(sketch, x);
    registerAdd(sketch, h);
    return true; // the estimate may differ from the exact count it replaces
  }
  return registerAdd(sketch, h);
}

const INV_POW2 = Float64Array.from({ length: 33 }, (_, r) => 2 ** -r);
const SCRATCH = new Uint8Array(HLL_REGISTERS);

/** Distinct count of one sketch, or of the union of two, without building the union. */
export function hllCount(a: Hll, b?: Hll): number {
  if (!b || b.length === 0) return isSparse(a) ? a.length : registersCount(a);
  if (a.length === 0) return hllCount(b);
  if (isSparse(a) && isSparse(b)) {
    let n = a.length;
    for (const x of b) if (!a.includes(x)) n++;
    return n;
  }
  if (!isSparse(a) && !isSparse(b)) return registersCount(a, b);
  const [dense, other] = isSparse(a) ? [b, a] : [a, b];
  SCRATCH.set(dense);
  for (const x of other) registerAdd(SCRATCH, x);
  return registersCount(SCRATCH);
}

/** The estimate from 64 registers, or from the register-wise maximum of two sets (their union). */
function registersCount(registers: ArrayLike<number>, union?: ArrayLike<number>): number {
  const m = HLL_REGISTERS;
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < m; i++) {
    let r = registers[i] as number;
    if (union !== undefined && (union[i] as number) > r) r = union[i] as number;
    sum += INV_POW2[r] as number;
    if (r === 0) zeros++;
  }
  const alpha = 0.709; // alpha_64
  const estimate = (alpha * m * m) / sum;
  if (estimate <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
  return Math.round(estimate);
}
