/**
 * Sliding-window counters as fixed rings of time buckets: bounded memory, O(buckets) worst case per
 * update, plain JSON so a Durable Object can store them as they are.
 */

export interface Window {
  /** Bucket width in ms. */
  w: number;
  /** Index (floor(ts / w)) of the newest bucket written. */
  head: number;
  counts: number[];
}

export function newWindow(bucketMs: number, buckets: number): Window {
  return { w: bucketMs, head: 0, counts: new Array(buckets).fill(0) };
}

function advance(win: Window, now: number): void {
  const idx = Math.floor(now / win.w);
  if (idx <= win.head) return;
  const n = win.counts.length;
  const steps = Math.min(n, idx - win.head);
  for (let i = 1; i <= steps; i++) win.counts[(win.head + i) % n] = 0;
  win.head = idx;
}

export function addTo(win: Window, now: number, value: number): void {
  advance(win, now);
  const idx = Math.floor(now / win.w);
  // A late event (clock skew, a response after newer requests) lands in its own bucket if still held.
  if (win.head - idx >= win.counts.length) return;
  const slot = idx % win.counts.length;
  win.counts[slot] = (win.counts[slot] as number) + value;
}

/** The total over the window ending at `now` (read-only: does not advance the ring). */
export function sumOf(win: Window, now: number): number {
  const idx = Math.floor(now / win.w);
  const n = win.counts.length;
  const stale = Math.max(0, idx - win.head);
  if (stale >= n) return 0;
  let total = 0;
  for (let k = stale; k < n; k++) total += win.counts[(((win.head - (k - stale)) % n) + n) % n] as number;
  return total;
}

/** The three standard windows: one minute (10 s buckets), one hour (5 min), one day (1 h). */
export const MINUTE = () => newWindow(10_000, 6);
export const HOUR = () => newWindow(300_000, 12);
export const DAY = () => newWindow(3_600_000, 24);

/** Exponentially weighted mean whose first values are exact averages (alpha = max(1/n, floor)). */
export function ewma(previous: number, value: number, n: number, floor = 1 / 32): number {
  const alpha = Math.max(1 / Math.max(1, n), floor);
  return previous + alpha * (value - previous);
}

/** Push into a bounded ring (newest last). */
export function pushRing<T>(ring: T[], value: T, max: number): void {
  ring.push(value);
  // shift() moves the array's start instead of its elements; a longer stored ring is trimmed at once.
  if (ring.length === max + 1) ring.shift();
  else if (ring.length > max) ring.splice(0, ring.length - max);
}

// Counting a ring's values in a small open-addressing table, reused across calls (the engine is
// synchronous): a few operations per value instead of comparing every pair. A generation stamp
// empties the table without clearing it.
const TABLE = 128;
const tableKeys = new Float64Array(TABLE);
const tableCounts = new Int32Array(TABLE);
const tableStamps = new Int32Array(TABLE);
let stamp = 0;
// What the last tally found: module state rather than a tuple, so a count allocates nothing.
let tallyTop = 0;
let tallyDistinct = 0;

/** Count a ring's values into `tallyTop` (the most frequent value's count) and `tallyDistinct`, ignoring `skip`. */
function tally(ring: readonly number[], skip: number | undefined): void {
  if (ring.length > TABLE / 2) {
    tallyByPairs(ring, skip);
    return;
  }
  stamp = (stamp + 1) | 0;
  let top = 0;
  let distinct = 0;
  for (let i = 0; i < ring.length; i++) {
    const v = ring[i] as number;
    if (v === skip) continue;
    let h = Math.imul(v | 0, 0x9e3779b1) >>> 25; // 7 bits: TABLE slots
    for (;;) {
      if (tableStamps[h] !== stamp) {
        tableStamps[h] = stamp;
        tableKeys[h] = v;
        tableCounts[h] = 1;
        distinct++;
        if (top < 1) top = 1;
        break;
      }
      if (tableKeys[h] === v) {
        const c = (tableCounts[h] as number) + 1;
        tableCounts[h] = c;
        if (c > top) top = c;
        break;
      }
      h = (h + 1) & (TABLE - 1);
    }
  }
  tallyTop = top;
  tallyDistinct = distinct;
}

/** The same counts by comparing pairs: for a ring longer than the table is sized for. */
function tallyByPairs(ring: readonly number[], skip: number | undefined): void {
  let top = 0;
  let distinct = 0;
  for (let i = 0; i < ring.length; i++) {
    const v = ring[i] as number;
    if (v === skip || (i > 0 && ring.lastIndexOf(v, i - 1) !== -1)) continue; // counted at its first occurrence
    distinct++;
    let c = 1;
    for (let j = i + 1; j < ring.length; j++) if (ring[j] === v) c++;
    if (c > top) top = c;
  }
  tallyTop = top;
  tallyDistinct = distinct;
}

/** How often the most frequent value occurs in a ring, ignoring `skip` values when given. */
export function topCount(ring: readonly number[], skip?: number): number {
  tally(ring, skip);
  return tallyTop;
}

/** Distinct values in a ring, ignoring `skip` values when given. */
export function distinctCount(ring: readonly number[], skip?: number): number {
  tally(ring, skip);
  return tallyDistinct;
}
