/**
 * Cluster records, sharded: cluster key -> one of CLUSTER_SHARDS objects, so no single object holds every
 * shared fingerprint. Isolates send observations in batches from `waitUntil`; an alarm recomputes the
 * verdicts of the clusters that changed and publishes them to the verdict board.
 */
import { DurableObject } from 'cloudflare:workers';
import { boardEntryFor } from '../engine/board';
import { hash32 } from '../engine/hash/sketch';
import { type ClusterObservation, type ClusterRecord, newCluster, observeCluster } from '../engine/state/cluster';
import type { ClusterRef } from '../engine/types';
import { rulesForVersion } from './rules-cache';

export const CLUSTER_SHARDS = 16;

export function clusterShard(key: string): string {
  return `shard-${hash32(key, 0x5eed) % CLUSTER_SHARDS}`;
}

export interface ClusterItem {
  ref: ClusterRef;
  obs: ClusterObservation;
  now: number;
}

export class ClusterState extends DurableObject<Cloudflare.Env> {
  async observe(items: ClusterItem[], rulesVersion: number): Promise<void> {
    const rules = await rulesForVersion(this.env.DB, rulesVersion);
    const keys = [...new Set(items.map((i) => `c:${i.ref.key}`))];
    const records = await this.ctx.storage.get<ClusterRecord>(keys);
    for (const { ref, obs, now } of items) {
      let rec = records.get(`c:${ref.key}`);
      if (!rec) {
        rec = newCluster(ref.key, ref.kind, now);
        records.set(`c:${ref.key}`, rec);
      }
      observeCluster(rec, obs, now, rules.clusterPolicy.windowMs);
    }
    const dirty = (await this.ctx.storage.get<string[]>('dirty')) ?? [];
    const dirtySet = new Set([...dirty, ...keys]);
    await this.ctx.storage.put({ ...Object.fromEntries(records), dirty: [...dirtySet], rulesVersion });
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + rules.boardRefreshMs);
  }

  /** Recompute changed clusters' verdicts and publish their board entries. */
  override async alarm(): Promise<void> {
    const dirty = (await this.ctx.storage.get<string[]>('dirty')) ?? [];
    if (dirty.length === 0) return;
    const rules = await rulesForVersion(this.env.DB, (await this.ctx.storage.get<number>('rulesVersion')) ?? 0);
    const now = Date.now();
    const records = await this.ctx.storage.get<ClusterRecord>(dirty);
    const entries = [];
    for (const rec of records.values()) {
      const entry = boardEntryFor(rec, rules, Math.max(now, rec.lastSeen));
      if (entry) entries.push(entry);
    }
    await this.ctx.storage.put({ ...Object.fromEntries(records), dirty: [] });
    if (entries.length > 0) await this.env.BOARD_STATE.get(this.env.BOARD_STATE.idFromName('board')).publish(entries);
  }

  async record(key: string): Promise<ClusterRecord | null> {
    return (await this.ctx.storage.get<ClusterRecord>(`c:${key}`)) ?? null;
  }
}
