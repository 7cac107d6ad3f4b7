/** Durable records in D1 (drizzle): aggregated decisions and principal summaries, written in batches. */
import { type BucketValues, bucketStatement, flushSeqStatement, summaryStatement } from '../db/flush-statements';
import type { FeatureMap } from '../engine/signals';
import type { Action } from '../engine/types';
import type { CarriedFlush, Pending } from './principal-storage';

export interface DecisionBucket {
  hour: number;
  action: Action;
  wouldAction: Action;
  rulesVersion: number;
  count: number;
  maxScore: number;
  reasons: Record<string, number>;
  lastTs: number;
  /** Would-points of the sampled request, and its compacted feature map (for backtests). */
  samplePoints?: number;
  sample?: FeatureMap;
}

export interface PrincipalSummary {
  id: string;
  org: string | null;
  firstSeen: number;
  lastSeen: number;
  requests: number;
  outputTokens: number;
  action: Action;
  actionUntil: number | null;
  reasons: string[];
  stoppedAt: number | null;
}

/**
 * One bucket from two of the same key (an earlier one that could not be written, and a newer one):
 * counts and reason counts add up, the sample of the higher-scoring request is kept (ties: the newer).
 */
export function mergeBuckets(older: DecisionBucket, newer: DecisionBucket): DecisionBucket {
  const reasons = { ...older.reasons };
  for (const [r, n] of Object.entries(newer.reasons)) reasons[r] = (reasons[r] ?? 0) + n;
  const newerSample = (newer.samplePoints ?? 0) >= (older.samplePoints ?? 0);
  return {
    ...older,
    count: older.count + newer.count,
    maxScore: Math.max(older.maxScore, newer.maxScore),
    lastTs: Math.max(older.lastTs, newer.lastTs),
    reasons,
    ...(newerSample ? { samplePoints: newer.samplePoints, sample: newer.sample } : {}),
  };
}

/** A failed flush's summary and decisions, back among the pending ones (merged with what came in meanwhile). */
export function putBack(p: Pending, taken: TakenFlush): void {
  p.summary ??= taken.summary;
  for (const [k, b] of Object.entries(taken.buckets)) {
    const newer = p.buckets[k];
    p.buckets[k] = newer ? mergeBuckets(b, newer) : b;
  }
  if (taken.carried.length > 0) p.carried = [...taken.carried, ...(p.carried ?? [])];
  p.failures++;
}

/** Every bucket waiting for D1, carried ones included. */
export function pendingBuckets(p: Pending): DecisionBucket[] {
  const buckets = Object.values(p.buckets);
  for (const c of p.carried ?? []) buckets.push(...Object.values(c.buckets));
  return buckets;
}

/** What the alarm takes out of pending for one flush. */
export interface TakenFlush {
  summary: PrincipalSummary | null;
  buckets: Record<string, DecisionBucket>;
  carried: CarriedFlush[];
  seq: number;
}

/** Take everything pending for a flush; what comes in during it starts new buckets. */
export function takeFlush(p: Pending): TakenFlush {
  const taken = { summary: p.summary, buckets: p.buckets, carried: p.carried ?? [], seq: p.flushSeq ?? 0 };
  p.summary = null;
  p.buckets = {};
  p.carried = [];
  return taken;
}

/** After a flush landed: the next one has the next number. */
export function flushLanded(p: Pending, taken: TakenFlush): void {
  p.flushSeq = taken.seq + 1;
  p.failures = 0;
}

/**
 * Pending decisions as a restarted object reads them from storage. Its last flush may have landed in
 * D1 while the write that followed it (storing that they were flushed) failed; flushed again, they would
 * count twice. So stored decisions are carried with the number of the flush they were stored for, and
 * the next flush adds them only if the principal's row does not show that flush (its `flush_seq`).
 */
export function carryOver(stored: Pending): Pending {
  if (Object.keys(stored.buckets).length === 0) return stored;
  const seq = stored.flushSeq ?? 0;
  return { ...stored, buckets: {}, carried: [...(stored.carried ?? []), { seq, buckets: stored.buckets }], flushSeq: seq + 1 };
}

function topReasons(reasons: Record<string, number>): string {
  return JSON.stringify(
    Object.entries(reasons)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([r]) => r),
  );
}

export interface FlushBatch {
  summary: PrincipalSummary | null;
  buckets: DecisionBucket[];
  /** Decisions a restarted object found stored (see `carryOver`). */
  carried?: CarriedFlush[];
  /** The flush's number, stored as the principal's `flush_seq` (the isolates' `unverified` aggregate has none). */
  seq?: number;
}

/**
 * One D1 batch (one transaction): every pending bucket added to its row, each carried bucket only if
 * its flush has not landed, then the principal's summary (if any) replaced and the flush's number set,
 * last, so the carried buckets' condition reads the number as it was before this batch. A carried
 * bucket's flush that landed wrote its row, so the condition sits on the conflict update.
 * Returns the rows it wrote (one per statement).
 */
export async function flushPrincipal(d1: D1Database, principal: string, batch: FlushBatch): Promise<number> {
  const statements: D1PreparedStatement[] = [];
  for (const carried of batch.carried ?? []) {
    for (const b of Object.values(carried.buckets)) statements.push(bucketStatement(d1, bucketValues(principal, b, carried.seq)));
  }
  for (const b of batch.buckets) statements.push(bucketStatement(d1, bucketValues(principal, b)));
  const { summary, seq } = batch;
  if (summary) {
    const kind = summary.id.startsWith('o_') ? 'org' : summary.id.startsWith('u_') ? 'user' : 'key';
    statements.push(
      summaryStatement(d1, {
        id: summary.id,
        kind,
        org: summary.org,
        firstSeen: summary.firstSeen,
        lastSeen: summary.lastSeen,
        requests: summary.requests,
        outputTokens: summary.outputTokens,
        action: summary.action,
        actionUntil: summary.actionUntil,
        reasons: JSON.stringify(summary.reasons),
        stoppedAt: summary.stoppedAt,
        seq,
      }),
    );
  } else if (seq !== undefined && statements.length > 0) {
    statements.push(flushSeqStatement(d1, principal, seq));
  }
  if (statements.length === 0) return 0;
  await d1.batch(statements);
  return statements.length;
}

function bucketValues(principal: string, b: DecisionBucket, carriedSeq?: number): BucketValues {
  return {
    principal,
    hour: b.hour,
    action: b.action,
    wouldAction: b.wouldAction,
    rulesVersion: b.rulesVersion,
    count: b.count,
    maxScore: b.maxScore,
    topReasons: topReasons(b.reasons),
    lastTs: b.lastTs,
    features: b.sample ? JSON.stringify(b.sample) : null,
    carriedSeq,
  };
}
