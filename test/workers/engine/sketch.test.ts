import { describe, expect, it } from 'vitest';
import { IntSet } from '../../../src/engine/hash/int-set';
import { anyWithin, hamming64, simhashWords } from '../../../src/engine/hash/simhash';
import { foldWords, hash32, hllAdd, hllCount, hllEmpty, hllOf, wordHashes } from '../../../src/engine/hash/sketch';
import { TupleHash } from '../../../src/engine/hash/tuple';
import { utf8Length } from '../../../src/engine/record';
import { distinctCount, pushRing, topCount } from '../../../src/engine/state/window';

/** The textbook SimHash: per bit, +1 for a feature that sets it and -1 otherwise; set when positive. */
function naiveSimhash(features: number[]): string {
  const acc = new Array<number>(64).fill(0);
  const fmix = (x: number) => {
    let h = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  for (const lo of features) {
    const hi = fmix(lo);
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

const words = (text: string) => text.split(' ');

describe('simhashWords', () => {
  it('equals the per-bit majority vote over words and bigrams (the bit-sliced counters are exact)', () => {
    for (const n of [1, 2, 3, 7, 31, 32, 33, 60]) {
      const ws = Array.from({ length: n }, (_, i) => `w${(i * 7919) % 97}`);
      const hashes = Array.from(wordHashes(ws, 42));
      const features: number[] = [];
      for (let i = 0; i < hashes.length && features.length < 64; i++) {
        features.push(hashes[i] as number);
        if (i + 1 < hashes.length) {
          const x = (Math.imul(hashes[i] as number, 0x9e3779b1) + (hashes[i + 1] as number)) | 0;
          let h = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
          h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
          features.push((h ^ (h >>> 16)) >>> 0);
        }
      }
      expect(simhashWords(wordHashes(ws, 42))).toBe(naiveSimhash(features));
    }
    expect(simhashWords(wordHashes([], 42))).toBe('0000000000000000');
  });

  it('keeps word order: the same words reordered are a different sketch, and a fold differs too', () => {
    const a = wordHashes(words('the quick brown fox jumps over the lazy dog'), 7).slice();
    const b = wordHashes(words('dog lazy the over jumps fox brown quick the'), 7).slice();
    expect(simhashWords(a)).not.toBe(simhashWords(b));
    expect(foldWords(a)).not.toBe(foldWords(b));
    expect(foldWords(a)).toBe(foldWords(wordHashes(words('the quick brown fox jumps over the lazy dog'), 7)));
    expect(foldWords(a, 0, 3)).toBe(foldWords(wordHashes(words('the quick brown'), 7)));
  });

  it('anyWithin agrees with hamming64, and upper-case hex parses as lower-case', () => {
    const s = '0123456789abcdef';
    expect(hamming64(s, '0123456789ABCDEF')).toBe(0);
    expect(hamming64(s, '0123456789abcdee')).toBe(1);
    expect(hamming64('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(anyWithin(['ffffffffffffffff', '0123456789abcd00'], s, 10)).toBe(true);
    expect(anyWithin(['ffffffffffffffff', '0123456789ab0000'], s, 10)).toBe(false);
    expect(anyWithin([], s, 64)).toBe(false);
  });
});

describe('HyperLogLog, sparse then dense', () => {
  it('counts small sets exactly as a list of hashes, ignoring repeats', () => {
    const s = hllEmpty();
    for (const x of ['a', 'b', 'c', 'a', 'b']) hllAdd(s, hash32(x, 1));
    expect(s.length).toBe(3);
    expect(hllCount(s)).toBe(3);
    expect(hllCount(hllEmpty())).toBe(0);
  });

  it('hllOf(h) is the sketch an empty one becomes by adding h, and grows like one', () => {
    for (const h of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, -1, hash32('x', 9)]) {
      const added = hllEmpty();
      hllAdd(added, h);
      const made = hllOf(h);
      expect(made).toEqual(added);
      for (let i = 0; i < 20; i++) expect(hllAdd(made, hash32(`w${i}`, 3))).toBe(hllAdd(added, hash32(`w${i}`, 3)));
      expect(made).toEqual(added);
    }
  });

  it('becomes 64 registers past the sparse limit and estimates within HyperLogLog error', () => {
    const s = hllEmpty();
    for (let i = 0; i < 1000; i++) hllAdd(s, hash32(`p${i}`, 3));
    expect(s.length).toBe(64);
    expect(Math.abs(hllCount(s) - 1000) / 1000).toBeLessThan(0.35);
    const small = hllEmpty();
    for (let i = 0; i < 20; i++) hllAdd(small, hash32(`q${i}`, 3));
    expect(small.length).toBe(64);
    expect(Math.abs(hllCount(small) - 20)).toBeLessThanOrEqual(3);
  });

  it('counts unions of sparse and dense sketches without changing either', () => {
    const a = hllEmpty();
    const b = hllEmpty();
    for (const x of ['a', 'b', 'c']) hllAdd(a, hash32(x, 5));
    for (const x of ['b', 'c', 'd', 'e']) hllAdd(b, hash32(x, 5));
    expect(hllCount(a, b)).toBe(5);
    expect(hllCount(b, a)).toBe(5);
    const dense = hllEmpty();
    for (let i = 0; i < 40; i++) hllAdd(dense, hash32(`x${i}`, 5));
    const before = [...dense];
    const union = hllCount(a, dense);
    expect(union).toBe(hllCount(dense, a));
    expect(union).toBeGreaterThanOrEqual(hllCount(dense));
    expect(dense).toEqual(before);
    expect(a.length).toBe(3);
  });

  it('reads a stored 64-register sketch (the format before sparse sketches) as dense', () => {
    const stored = new Array<number>(64).fill(0);
    expect(hllCount(stored)).toBe(0);
    hllAdd(stored, hash32('a', 9));
    expect(stored.length).toBe(64);
    expect(hllCount(stored)).toBe(1);
  });
});

describe('ring counts', () => {
  it('topCount and distinctCount agree with counting by map on random rings', () => {
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    for (let k = 0; k < 300; k++) {
      const ring = Array.from({ length: next() % (k % 10 === 0 ? 100 : 40) }, () =>
        next() % 5 === 0 ? 0 : next() % (2 + (k % 9)) === 0 ? 4_000_000_000 : next() % 7,
      );
      const counts = new Map<number, number>();
      for (const v of ring) counts.set(v, (counts.get(v) ?? 0) + 1);
      const without0 = [...counts].filter(([v]) => v !== 0);
      expect(topCount(ring)).toBe(Math.max(0, ...counts.values()));
      expect(topCount(ring, 0)).toBe(Math.max(0, ...without0.map(([, c]) => c)));
      expect(distinctCount(ring)).toBe(counts.size);
      expect(distinctCount(ring, 0)).toBe(without0.length);
    }
  });

  it('pushRing keeps the newest values, and trims a longer stored ring at once', () => {
    const ring = [1, 2, 3];
    pushRing(ring, 4, 3);
    expect(ring).toEqual([2, 3, 4]);
    const stored = [1, 2, 3, 4, 5, 6];
    pushRing(stored, 7, 3);
    expect(stored).toEqual([5, 6, 7]);
    const short: number[] = [];
    pushRing(short, 1, 3);
    expect(short).toEqual([1]);
  });

  it('topCount and distinctCount skip the given value', () => {
    expect(topCount([])).toBe(0);
    expect(topCount([3, 1, 3, 2, 3])).toBe(3);
    expect(topCount([0, 0, 0, 5, 5], 0)).toBe(2);
    expect(distinctCount([4, 4, 0, 2, 0], 0)).toBe(2);
    expect(distinctCount([4, 4, 0, 2, 0])).toBe(3);
    expect(distinctCount([])).toBe(0);
  });
});

describe('utf8Length', () => {
  it('matches TextEncoder for ASCII, accents, CJK, emoji and lone surrogates', () => {
    const enc = new TextEncoder();
    for (const s of ['', 'abc', 'héllo', '日本語', '😀x', '\ud800', 'a\udc00b', '\ud83d', `${'x'.repeat(1000)}ü😀日`]) {
      expect(utf8Length(s)).toBe(enc.encode(s).length);
    }
  });
});

describe('IntSet', () => {
  it('holds exactly the values it was built from, as 32-bit integers', () => {
    const values = [0, 1, -1, 0x7fffffff, 0x80000000, 0xffffffff, ...Array.from({ length: 500 }, (_, i) => hash32(`w${i}`, 7))];
    const set = new IntSet(values);
    for (const v of values) expect(set.has(v)).toBe(true);
    expect(set.has(0xffffffff)).toBe(set.has(-1)); // the same 32 bits
    let falsePositives = 0;
    for (let i = 0; i < 5000; i++) if (set.has(hash32(`other${i}`, 7))) falsePositives++;
    expect(falsePositives).toBeLessThanOrEqual(1); // only a real 32-bit collision could be one
    expect(new IntSet([]).has(0)).toBe(false);
  });
});

describe('TupleHash', () => {
  it('tells tuples apart by any field, by null against empty, and by field boundaries', () => {
    const h = new TupleHash();
    const of = (a: string | null, b: string | null, x: number | null) => h.start(7).string(a).string(b).number(x).end();
    const base = of('anthropic.messages', 'claude', 1024);
    expect(of('anthropic.messages', 'claude', 1024)).toBe(base);
    const variants = [
      of('anthropic.messages', 'claude', 1025),
      of('anthropic.messages', 'claudE', 1024),
      of('anthropic.messages', null, 1024),
      of('anthropic.messages', '', 1024),
      of('anthropic.messages', 'claude', null),
      of('anthropic.messages', 'claude', 0.7),
      of('anthropic.messagesc', 'laude', 1024),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    expect(Number.isSafeInteger(base)).toBe(true);
    expect(h.start(8).string('x').end()).not.toBe(h.start(7).string('x').end()); // seeded
    expect(h.start(7).value(true).value('x').value(null).end()).toBe(h.start(7).number(1).string('x').string(null).end());
    expect(h.start(7).value(false).end()).not.toBe(h.start(7).value(true).end());
  });
});
