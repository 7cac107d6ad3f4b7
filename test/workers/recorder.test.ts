/**
 * A principal's D1 flush against real D1, one case per shape of statement the flush binds (built once
 * with placeholders, src/db/flush-statements.ts): buckets added to their rows, a carried bucket only
 * when its flush has not landed, the summary inserted then replaced, and the flush number set with or
 * without a summary, or left alone when the flush has none.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { type DecisionBucket, flushPrincipal, type PrincipalSummary } from '../../src/state/recorder';

const HOUR = Date.UTC(2027, 4, 2, 10);

function bucket(count: number, maxScore: number, over: Partial<DecisionBucket> = {}): DecisionBucket {
  return {
    hour: HOUR,
    action: 'log',
    wouldAction: 'throttle',
    rulesVersion: 2,
    count,
    maxScore,
    reasons: { 'volume.burst': count, 'shape.cot': 1 },
    lastTs: HOUR + count,
    sample: { requests_per_minute: count },
    ...over,
  };
}

function summary(id: string, requests: number, over: Partial<PrincipalSummary> = {}): PrincipalSummary {
  return {
    id,
    org: null,
    firstSeen: HOUR,
    lastSeen: HOUR + requests,
    requests,
    outputTokens: 10 * requests,
    action: 'log',
    actionUntil: null,
    reasons: ['volume.burst'],
    stoppedAt: null,
    ...over,
  };
}

interface BucketRow {
  count: number;
  max_score: number;
  top_reasons: string;
  last_ts: number;
  features: string | null;
}

const bucketRows = (principal: string) =>
  env.DB.prepare('SELECT count, max_score, top_reasons, last_ts, features FROM decisions_hourly WHERE principal = ? ORDER BY hour')
    .bind(principal)
    .all<BucketRow>()
    .then((r) => r.results);

interface PrincipalRow {
  kind: string;
  org: string | null;
  requests: number;
  output_tokens: number;
  action: string;
  reasons: string;
  flush_seq: number | null;
}

const principalRow = (id: string) =>
  env.DB.prepare('SELECT kind, org, requests, output_tokens, action, reasons, flush_seq FROM principals WHERE id = ?')
    .bind(id)
    .first<PrincipalRow>();

describe('flushPrincipal', () => {
  it('inserts the buckets and the summary, then adds to the buckets and replaces the summary', async () => {
    const id = 'k_rec0000000000001';
    expect(await flushPrincipal(env.DB, id, { summary: summary(id, 3), buckets: [bucket(3, 0.2)], seq: 0 })).toBe(2);
    expect(await bucketRows(id)).toEqual([
      { count: 3, max_score: 0.2, top_reasons: '["volume.burst","shape.cot"]', last_ts: HOUR + 3, features: '{"requests_per_minute":3}' },
    ]);
    expect(await principalRow(id)).toEqual({
      kind: 'key',
      org: null,
      requests: 3,
      output_tokens: 30,
      action: 'log',
      reasons: '["volume.burst"]',
      flush_seq: 0,
    });

    // A lower-scoring sample does not replace the stored one; counts add up; the summary is replaced.
    const later = summary(id, 5, { org: 'o_acme', action: 'throttle', reasons: ['shape.cot'] });
    await flushPrincipal(env.DB, id, { summary: later, buckets: [bucket(2, 0.1)], seq: 1 });
    expect(await bucketRows(id)).toEqual([
      { count: 5, max_score: 0.2, top_reasons: '["volume.burst","shape.cot"]', last_ts: HOUR + 3, features: '{"requests_per_minute":3}' },
    ]);
    expect(await principalRow(id)).toMatchObject({ org: 'o_acme', requests: 5, output_tokens: 50, action: 'throttle', flush_seq: 1 });
  });

  it('adds a carried bucket only when its flush has not landed', async () => {
    const id = 'k_rec0000000000002';
    await flushPrincipal(env.DB, id, { summary: summary(id, 1), buckets: [bucket(1, 0.3)], seq: 4 });
    const landed = { seq: 4, buckets: { a: bucket(1, 0.3) } };
    const notLanded = { seq: 5, buckets: { b: bucket(7, 0.9) } };
    expect(await flushPrincipal(env.DB, id, { summary: null, buckets: [], carried: [landed, notLanded], seq: 6 })).toBe(3);
    const [row] = await bucketRows(id);
    expect(row).toMatchObject({ count: 8, max_score: 0.9, features: '{"requests_per_minute":7}' });
    expect((await principalRow(id))?.flush_seq).toBe(6);
  });

  it('sets the flush number without a summary, and leaves it alone for a flush that has none', async () => {
    const id = 'k_rec0000000000003';
    await flushPrincipal(env.DB, id, { summary: summary(id, 2), buckets: [], seq: 2 });
    await flushPrincipal(env.DB, id, { summary: null, buckets: [bucket(1, 0.1)], seq: 3 });
    expect((await principalRow(id))?.flush_seq).toBe(3);
    await flushPrincipal(env.DB, id, { summary: summary(id, 9), buckets: [] });
    expect(await principalRow(id)).toMatchObject({ requests: 9, flush_seq: 3 });
    // Nothing to write: no statement, no batch.
    expect(await flushPrincipal(env.DB, id, { summary: null, buckets: [], seq: 4 })).toBe(0);
  });
});
