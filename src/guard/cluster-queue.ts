/**
 * Cluster observations leave the isolate in batches, one call per shard, from `waitUntil`: the request
 * path never waits for them, and a busy isolate sends one call per shard per window (CLUSTER_BATCH_MS),
 * not per request. Cluster verdicts move over minutes, so a second's delay costs nothing; in local
 * workerd a Durable Object call costs about 120 µs of CPU before its items (BENCHMARKS.md), and a 1 s
 * window (against 250 ms) measured 45 µs less per guarded request.
 *
 * A request brings about 8 observations spread over the 16 shards, so a quiet isolate's window sent a
 * call to most shards for a few requests (2.83 cluster calls a request measured at 2 requests a second).
 * A window holding fewer than FULL_BATCH observations (about 16 requests' worth: then at most one call
 * a request) stays open, a window at a time, up to CLUSTER_BATCH_MAX_MS (10 s by default): 0.72.
 */
import type { GuardConfig } from '../config';
import type { ClusterObservation } from '../engine/state/cluster';
import type { ClusterRef } from '../engine/types';
import { countCall } from '../isolate-stats';
import { type ClusterItem, clusterShard } from '../state/cluster-state';
import { KeyedBatch } from './keyed-batch';

const queue = new KeyedBatch<ClusterItem>();
const FULL_BATCH = 128;

export function enqueueClusters(
  env: Cloudflare.Env,
  refs: ClusterRef[],
  obs: ClusterObservation,
  now: number,
  rulesVersion: number,
  window: Pick<GuardConfig, 'clusterBatchMs' | 'clusterBatchMaxMs'>,
): Promise<void> | null {
  for (const ref of refs) queue.push(clusterShard(ref.key), { ref, obs, now });
  return queue.schedule(window.clusterBatchMs, (batch) => sendClusters(env, rulesVersion, batch), {
    items: FULL_BATCH,
    maxMs: window.clusterBatchMaxMs,
  });
}

async function sendClusters(env: Cloudflare.Env, rulesVersion: number, batch: Map<string, ClusterItem[]>): Promise<void> {
  countCall('clusters', batch.size);
  await Promise.all(
    [...batch].map(async ([shard, items]) => {
      try {
        await env.CLUSTER_STATE.get(env.CLUSTER_STATE.idFromName(shard)).observe(items, rulesVersion);
      } catch (err) {
        console.error(JSON.stringify({ event: 'cluster_update_failed', shard, items: items.length, message: String(err) }));
      }
    }),
  );
}
