/**
 * The isolate's batching queue (src/guard/keyed-batch.ts) and the cluster observations that use it: a
 * quiet isolate holds a window open until it is full or CLUSTER_BATCH_MAX_MS has passed, so it sends
 * fewer, fuller cluster calls; a busy one sends at the end of its first window, as before.
 */
import { describe, expect, it } from 'vitest';
import { KeyedBatch } from '../../src/guard/keyed-batch';
import { stateCalls } from '../../src/isolate-stats';
import { callGuard } from './helpers';
import { chatRequest } from './traffic';

function collect() {
  const sent: Array<{ at: number; items: number; keys: number }> = [];
  const started = Date.now();
  const send = async (batch: Map<string, number[]>) => {
    let items = 0;
    for (const list of batch.values()) items += list.length;
    sent.push({ at: Date.now() - started, items, keys: batch.size });
  };
  return { sent, send };
}

describe('KeyedBatch', () => {
  it('holds a window that is not full open, a window at a time, up to the limit, and sends what came meanwhile with it', async () => {
    const queue = new KeyedBatch<number>();
    const { sent, send } = collect();
    queue.push('a', 1);
    queue.push('b', 2);
    const flush = queue.schedule(30, send, { items: 5, maxMs: 150 });
    expect(flush).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 60));
    queue.push('a', 3);
    // One window is open: a second schedule adds nothing to wait for.
    expect(queue.schedule(30, send, { items: 5, maxMs: 150 })).toBeNull();
    await flush;
    expect(sent).toHaveLength(1);
    expect(sent[0]?.items).toBe(3);
    expect(sent[0]?.keys).toBe(2);
    expect(sent[0]?.at).toBeGreaterThanOrEqual(145);
    expect(queue.size).toBe(0);
  });

  it('sends a full window at its first end, and never holds a window of 0', async () => {
    const { sent, send } = collect();
    const busy = new KeyedBatch<number>();
    for (let i = 0; i < 5; i++) busy.push(`k${i % 2}`, i);
    await busy.schedule(30, send, { items: 5, maxMs: 5_000 });
    expect(sent[0]?.items).toBe(5);
    expect(sent[0]?.at).toBeLessThan(2_000);

    const immediate = new KeyedBatch<number>();
    immediate.push('a', 1);
    await immediate.schedule(0, send, { items: 5, maxMs: 5_000 });
    expect(sent[1]?.items).toBe(1);
    expect(sent[1]?.at).toBeLessThan(2_000);
  });

  it('counts what `take` removes: a window emptied that way is not taken for a full one', async () => {
    const queue = new KeyedBatch<number>();
    const { sent, send } = collect();
    for (let i = 0; i < 5; i++) queue.push('a', i);
    queue.take('a');
    queue.push('b', 9);
    await queue.schedule(20, send, { items: 5, maxMs: 100 });
    expect(sent[0]?.items).toBe(1);
    expect(sent[0]?.at).toBeGreaterThanOrEqual(95);
  });
});

describe('cluster observations from a quiet isolate', () => {
  it('wait up to CLUSTER_BATCH_MAX_MS for a fuller batch, then leave in one call per shard', async () => {
    const before = stateCalls.clusters;
    const started = Date.now();
    const res = await callGuard(chatRequest('sk-quiet-isolate', 1), { CLUSTER_BATCH_MS: '50', CLUSTER_BATCH_MAX_MS: '400' });
    expect(res.status).toBe(200);
    // callGuard returns once the request's background work is done: the batch left after the limit.
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    const calls = stateCalls.clusters - before;
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(16);
  });
});
