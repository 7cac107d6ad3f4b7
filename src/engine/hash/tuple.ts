/**
 * A 53-bit hash of a tuple of strings and numbers, fed in order, without building the joined string:
 * memos of ids whose material is a join of request fields look them up by this number instead of by
 * a new string (building it and hashing it as a Map key cost more than the lookup).
 */

const f64 = new Float64Array(1);
const halves = new Uint32Array(f64.buffer);
// Tags keep `null`, `''` and the boundaries between fields apart.
const NULL_TAG = 0x9e3779b9;
const END_TAG = 0x7f4a7c15;

export class TupleHash {
  private h1 = 0;
  private h2 = 0;

  start(seed: number): this {
    this.h1 = 0xdeadbeef ^ seed;
    this.h2 = 0x41c6ce57 ^ seed;
    return this;
  }

  private mix(c: number): void {
    this.h1 = Math.imul(this.h1 ^ c, 2654435761);
    this.h2 = Math.imul(this.h2 ^ c, 1597334677);
  }

  string(s: string | null): this {
    if (s === null) this.mix(NULL_TAG);
    else for (let i = 0; i < s.length; i++) this.mix(s.charCodeAt(i));
    this.mix(END_TAG);
    return this;
  }

  number(x: number | null): this {
    if (x === null) this.mix(NULL_TAG);
    else {
      f64[0] = x;
      this.mix(halves[0] as number);
      this.mix(halves[1] as number);
    }
    this.mix(END_TAG);
    return this;
  }

  /** A field of any of these types (a boolean as the number 0 or 1). */
  value(v: string | number | boolean | null): this {
    if (typeof v === 'number') return this.number(v);
    if (typeof v === 'boolean') return this.number(v ? 1 : 0);
    return this.string(v);
  }

  /** The hash (cyrb53's finish): a safe integer, for a Map key. */
  end(): number {
    let h1 = this.h1;
    let h2 = this.h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return 4294967296 * (2097151 & h2) + (h1 >>> 0);
  }
}
