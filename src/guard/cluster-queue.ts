/**
 * Cluster observations leave the isolate in batches, one call per shard, from `waitUntil`: the request
 * path never waits for them, and a busy isolate sends one call per shard per window (CLUSTER_BATCH_MS),
 * not per request. Cluster verdicts move over minutes, so a second's delay costs nothing; in local
 * workerd a Durable Object call costs about 120 µs of CPU before its items (BENCHMARKS.md), and a 1 s
 * window (against 250 ms) measured 45 µs less per guarded request.
 */
import type { ClusterObservation } from '../engine/state/cluster';
import type { ClusterRef } from '../engine/types';
import { countCall } from '../isolate-stats';
import { type ClusterItem, clusterShard } from '../state/cluster-state';
import { KeyedBatch } from './keyed-batch';

const queue = new KeyedBatch<ClusterItem>();

export function enqueueClusters(
  env: Cloudflare.Env,
  refs: ClusterRef[],
  obs: ClusterObservation,
  now: number,
  rulesVersion: number,
  windowMs: number,
): Promise<void> | null {
  for (const ref of refs) queue.push(clusterShard(ref.key), { ref, obs, now });
  return queue.schedule(windowMs, (batch) => sendClusters(env, rulesVersion, batch));
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
