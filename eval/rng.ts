import { prng } from '../src/mock/generate';

/** A seeded random source with the helpers the simulator needs. */
export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  float(): number {
    return this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  /** Exponential inter-arrival with the given mean (a Poisson process). */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
  hex(bytes: number): string {
    let s = '';
    for (let i = 0; i < bytes; i++) s += this.int(0, 255).toString(16).padStart(2, '0');
    return s;
  }
  fork(salt: number): Rng {
    return new Rng(Math.floor(this.next() * 2 ** 31) ^ salt);
  }
}
