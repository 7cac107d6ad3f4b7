/**
 * Cluster observations leave the isolate in batches, one call per shard, from `waitUntil`: the request
 * path never waits for them, and a busy isolate sends one call per shard per window, not per request.
 */
import type { ClusterObservation } from '../engine/state/cluster';
import type { ClusterRef } from '../engine/types';
import { type ClusterItem, clusterShard } from '../state/cluster-state';
import { countCall } from './counters';

const BATCH_WINDOW_MS = 250;

let queue = new Map<string, ClusterItem[]>();
let scheduled = false;

export function enqueueClusters(
  env: Cloudflare.Env,
  refs: ClusterRef[],
  obs: ClusterObservation,
  now: number,
  rulesVersion: number,
): Promise<void> | null {
  for (const ref of refs) {
    const shard = clusterShard(ref.key);
    const items = queue.get(shard) ?? [];
    items.push({ ref, obs, now });
    queue.set(shard, items);
  }
  if (scheduled) return null;
  scheduled = true;
  return new Promise<void>((resolve) => setTimeout(resolve, BATCH_WINDOW_MS)).then(() => flushClusters(env, rulesVersion));
}

export async function flushClusters(env: Cloudflare.Env, rulesVersion: number): Promise<void> {
  const batch = queue;
  queue = new Map();
  scheduled = false;
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
