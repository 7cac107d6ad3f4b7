/**
 * Stops of keys the origin never accepted, counted per isolate in aggregate (principal `unverified`)
 * and flushed to D1 in batches from `waitUntil`: the operator still sees them, but a flood of random keys
 * adds a bounded number of rows (one per hour, action and rules version), never one per key.
 */
import type { Decision } from '../engine/types';
import { countRows } from '../isolate-stats';
import { type DecisionBucket, flushPrincipal, mergeBuckets } from '../state/recorder';

export const UNVERIFIED = 'unverified';
const FLUSH_EVERY_MS = 5_000;
const MAX_BUCKETS = 256;

let buckets = new Map<string, DecisionBucket>();
let lastFlush = 0;
let flushing: Promise<void> | null = null;

function add(into: Map<string, DecisionBucket>, key: string, b: DecisionBucket): void {
  const had = into.get(key);
  if (had) into.set(key, mergeBuckets(had, b));
  else if (into.size < MAX_BUCKETS) into.set(key, b);
}

/** Count one stop; returns a flush to hand to `waitUntil` when one is due. */
export function countUnverified(db: D1Database, d: Decision, now: number): Promise<void> | null {
  const hour = Math.floor(now / 3_600_000) * 3_600_000;
  const reasons: Record<string, number> = {};
  for (const r of d.reasons.slice(0, 5)) reasons[r] = 1;
  add(buckets, `${hour}|${d.action}|${d.wouldAction}|${d.rulesVersion}`, {
    hour,
    action: d.action,
    wouldAction: d.wouldAction,
    rulesVersion: d.rulesVersion,
    count: 1,
    maxScore: d.score,
    reasons,
    lastTs: now,
  });
  if (flushing || now - lastFlush < FLUSH_EVERY_MS) return null;
  lastFlush = now;
  const taken = buckets;
  buckets = new Map();
  flushing = flushPrincipal(db, UNVERIFIED, { summary: null, buckets: [...taken.values()] })
    .then((rows) => countRows('d1Rows', rows))
    .catch((err: unknown) => {
      // D1 unavailable: keep the counts for the next flush (bounded by MAX_BUCKETS).
      for (const [k, b] of taken) add(buckets, k, b);
      console.error(JSON.stringify({ event: 'unverified_flush_failed', message: String(err) }));
    })
    .finally(() => {
      flushing = null;
    });
  return flushing;
}
