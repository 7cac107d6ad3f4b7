/** 64-bit SimHash of a word sequence, and near-duplicate tests between SimHashes (hex strings). */
import { toHex } from './sha256';
import { fmix32 } from './sketch';

/** A bigram's hash from its two words' hashes: order-sensitive, so "a b" and "b a" differ. */
const bigramHash = (a: number, b: number) => fmix32((Math.imul(a, 0x9e3779b1) + b) | 0);

/** Features beyond this add little to a near-duplicate test. */
const SIMHASH_FEATURES = 64;

/**
 * A 64-bit SimHash as a 16-hex-digit string, over the first words and their bigrams (words keep it
 * stable, bigrams keep order). A bit is set when most features set it. The ones of each bit position
 * are counted with bit-sliced adders: seven 32-bit planes per half (counts up to 127 >
 * SIMHASH_FEATURES), held in locals, a few operations per feature instead of one per bit.
 */
export function simhashWords(hashes: Uint32Array): string {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let a4 = 0;
  let a5 = 0;
  let a6 = 0;
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  let b3 = 0;
  let b4 = 0;
  let b5 = 0;
  let b6 = 0;
  let n = 0;
  for (let i = 0; i < hashes.length && n < SIMHASH_FEATURES; i++) {
    // Each word, then its bigram with the next word; the high half from the low one by the finaliser.
    for (let k = 0; k < 2 && n < SIMHASH_FEATURES; k++) {
      let lo: number;
      if (k === 0) lo = hashes[i] as number;
      else if (i + 1 < hashes.length) lo = bigramHash(hashes[i] as number, hashes[i + 1] as number);
      else break;
      // The same ripple-carry adder twice, low half into a0..a6, high half into b0..b6: written out,
      // so the fourteen planes stay in registers (typed arrays and a helper cost twice as much).
      let c = lo;
      let t = a0 & c;
      a0 ^= c;
      c = t;
      t = a1 & c;
      a1 ^= c;
      c = t;
      t = a2 & c;
      a2 ^= c;
      c = t;
      t = a3 & c;
      a3 ^= c;
      c = t;
      t = a4 & c;
      a4 ^= c;
      c = t;
      t = a5 & c;
      a5 ^= c;
      c = t;
      a6 ^= c;
      c = fmix32(lo);
      t = b0 & c;
      b0 ^= c;
      c = t;
      t = b1 & c;
      b1 ^= c;
      c = t;
      t = b2 & c;
      b2 ^= c;
      c = t;
      t = b3 & c;
      b3 ^= c;
      c = t;
      t = b4 & c;
      b4 ^= c;
      c = t;
      t = b5 & c;
      b5 ^= c;
      c = t;
      b6 ^= c;
      n++;
    }
  }
  if (n === 0) return '0000000000000000';
  const threshold = (n >>> 1) + 1; // more ones than zeros
  return hex64(atLeast(threshold, b0, b1, b2, b3, b4, b5, b6), atLeast(threshold, a0, a1, a2, a3, a4, a5, a6));
}

/** Bits whose count (planes p0..p6, least significant first) is at least `threshold`, from the top plane down. */
function atLeast(threshold: number, p0: number, p1: number, p2: number, p3: number, p4: number, p5: number, p6: number): number {
  let greater = 0;
  let equal = -1;
  const planes = [p0, p1, p2, p3, p4, p5, p6];
  for (let p = 6; p >= 0; p--) {
    const plane = planes[p] as number;
    if ((threshold >>> p) & 1) equal &= plane;
    else {
      greater |= equal & plane;
      equal &= ~plane;
    }
  }
  return (greater | equal) >>> 0;
}

const halves = new Uint8Array(8);
const halvesView = new DataView(halves.buffer);

/** Two 32-bit halves as 16 hex digits (big-endian), one flat string as every hex id is. */
function hex64(hi: number, lo: number): string {
  halvesView.setUint32(0, hi);
  halvesView.setUint32(4, lo);
  return toHex(halves);
}

function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
}

/** Eight hex digits of `s` from `at` as a 32-bit number, without slicing (0 for a non-hex digit). */
export function hex32(s: string, at: number): number {
  let v = 0;
  for (let i = at; i < at + 8; i++) {
    const c = s.charCodeAt(i) | 0x20; // lower-case
    v = (v << 4) | ((c >= 0x61 ? c - 0x57 : c - 0x30) & 0xf);
  }
  return v >>> 0;
}

/** Hamming distance between two SimHash hex strings. */
export function hamming64(a: string, b: string): number {
  return popcount32((hex32(a, 0) ^ hex32(b, 0)) >>> 0) + popcount32((hex32(a, 8) ^ hex32(b, 8)) >>> 0);
}

/** Whether any SimHash in `sims` is within `bits` of `simhash`. */
export function anyWithin(sims: readonly string[], simhash: string, bits: number): boolean {
  return anyWithinHalves(
    sims.map((s) => hex32(s, 0)),
    sims.map((s) => hex32(s, 8)),
    hex32(simhash, 0),
    hex32(simhash, 8),
    bits,
  );
}

/** `anyWithin` over SimHashes already parsed to their high and low 32-bit halves. */
export function anyWithinHalves(his: readonly number[], los: readonly number[], hi: number, lo: number, bits: number): boolean {
  for (let i = 0; i < his.length; i++) {
    if (popcount32(((his[i] as number) ^ hi) >>> 0) + popcount32(((los[i] as number) ^ lo) >>> 0) <= bits) return true;
  }
  return false;
}
