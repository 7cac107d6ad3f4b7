/** Durable records in D1 (drizzle): aggregated decisions and principal summaries, written in batches. */
import { sql } from 'drizzle-orm';
import { database } from '../db/client';
import { decisionsHourly, principals } from '../db/schema';
import type { FeatureMap } from '../engine/signals';
import type { Action } from '../engine/types';
import type { Pending } from './principal-storage';

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
export function putBack(p: Pending, summary: PrincipalSummary | null, buckets: Record<string, DecisionBucket>): void {
  p.summary ??= summary;
  for (const [k, b] of Object.entries(buckets)) {
    const newer = p.buckets[k];
    p.buckets[k] = newer ? mergeBuckets(b, newer) : b;
  }
  p.failures++;
}

function topReasons(reasons: Record<string, number>): string {
  return JSON.stringify(
    Object.entries(reasons)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([r]) => r),
  );
}

/**
 * One D1 batch: every pending bucket added to its row, and the principal's summary (if any) replaced.
 * Returns the rows it wrote (one per statement).
 */
export async function flushPrincipal(
  d1: D1Database,
  principal: string,
  summary: PrincipalSummary | null,
  buckets: DecisionBucket[],
): Promise<number> {
  const db = database(d1);
  const statements = [];
  if (summary) {
    const kind = summary.id.startsWith('o_') ? 'org' : summary.id.startsWith('u_') ? 'user' : 'key';
    const row = {
      id: summary.id,
      kind: kind as 'org' | 'user' | 'key',
      org: summary.org,
      firstSeen: summary.firstSeen,
      lastSeen: summary.lastSeen,
      requests: summary.requests,
      outputTokens: summary.outputTokens,
      action: summary.action,
      actionUntil: summary.actionUntil,
      reasons: JSON.stringify(summary.reasons),
      stoppedAt: summary.stoppedAt,
    };
    statements.push(
      db
        .insert(principals)
        .values(row)
        .onConflictDoUpdate({ target: principals.id, set: { ...row, id: undefined } }),
    );
  }
  for (const b of buckets) {
    statements.push(
      db
        .insert(decisionsHourly)
        .values({
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
        })
        .onConflictDoUpdate({
          target: [
            decisionsHourly.principal,
            decisionsHourly.hour,
            decisionsHourly.action,
            decisionsHourly.wouldAction,
            decisionsHourly.rulesVersion,
          ],
          set: {
            count: sql`${decisionsHourly.count} + excluded.count`,
            maxScore: sql`max(${decisionsHourly.maxScore}, excluded.max_score)`,
            topReasons: sql`excluded.top_reasons`,
            lastTs: sql`max(${decisionsHourly.lastTs}, excluded.last_ts)`,
            // The sample of the higher-scoring flush wins (ties: the newer one).
            features: sql`case when excluded.max_score >= ${decisionsHourly.maxScore} then coalesce(excluded.features, ${decisionsHourly.features}) else coalesce(${decisionsHourly.features}, excluded.features) end`,
          },
        }),
    );
  }
  if (statements.length === 0) return 0;
  await db.batch(statements as unknown as [(typeof statements)[0], ...typeof statements]);
  return statements.length;
}
