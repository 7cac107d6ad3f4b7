/**
 * A fixed set of 32-bit integers in an open-addressing table: a membership test is a multiply, a
 * shift and a compare or two. The tokenizer asks it for every word (is this word's hash one a reader
 * needs?), where a `Set` lookup cost more than the rest of the word's handling.
 */
export class IntSet {
  private readonly slots: Int32Array;
  private readonly used: Uint8Array;
  private readonly shift: number;

  constructor(values: Iterable<number>) {
    const list = [...new Set(Array.from(values, (v) => v | 0))];
    let bits = 4;
    while (1 << bits < list.length * 4) bits++; // a quarter full: probes stay short
    this.slots = new Int32Array(1 << bits);
    this.used = new Uint8Array(1 << bits);
    this.shift = 32 - bits;
    const mask = (1 << bits) - 1;
    for (const v of list) {
      let i = this.slotOf(v);
      while (this.used[i]) i = (i + 1) & mask;
      this.slots[i] = v;
      this.used[i] = 1;
    }
  }

  private slotOf(v: number): number {
    return Math.imul(v, 0x9e3779b1) >>> this.shift;
  }

  has(value: number): boolean {
    const v = value | 0;
    const mask = this.slots.length - 1;
    for (let i = this.slotOf(v); this.used[i]; i = (i + 1) & mask) if (this.slots[i] === v) return true;
    return false;
  }
}
