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
import { countRows } from '../isolate-stats';
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

/** Keys per storage call: the storage API documents at most 128 in one get or put (local SQLite storage takes more). */
const STORAGE_BATCH = 128;
/** Cluster records kept in memory between alarms; past this, unchanged ones are dropped first. */
const CACHED_CLUSTERS = 5_000;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += STORAGE_BATCH) out.push(items.slice(i, i + STORAGE_BATCH));
  return out;
}

/**
 * Observations change records in memory; the alarm (every `boardRefresh`, 5 s by default, while any
 * changed) writes each changed record once and publishes verdicts. Writing every touched record on every
 * batch wrote each busy cluster (a shape, a network) once a second per isolate, in bursts of SQLite work
 * that landed on whatever requests were in flight (the local one-at-a-time p99 fell by 5-14 ms without
 * them). What a crash can lose is one alarm window of cluster counts, which move over minutes.
 */
export class ClusterState extends DurableObject<Cloudflare.Env> {
  private readonly records = new Map<string, ClusterRecord>();
  /** Keys changed since the last alarm: the alarm writes and publishes them. */
  private readonly dirty = new Set<string>();
  private rulesVersion = 0;
  private alarmSet = false;

  async observe(items: ClusterItem[], rulesVersion: number): Promise<void> {
    const rules = await rulesForVersion(this.env.DB, rulesVersion);
    const missing = [...new Set(items.map((i) => `c:${i.ref.key}`))].filter((k) => !this.records.has(k));
    for (const keys of chunks(missing)) {
      for (const [k, rec] of await this.ctx.storage.get<ClusterRecord>(keys)) if (!this.records.has(k)) this.records.set(k, rec);
    }
    for (const { ref, obs, now } of items) {
      const key = `c:${ref.key}`;
      let rec = this.records.get(key);
      if (!rec) {
        rec = newCluster(ref.key, ref.kind, now);
        this.records.set(key, rec);
      }
      observeCluster(rec, obs, now, rules.clusterPolicy.windowMs);
      this.dirty.add(key);
    }
    this.rulesVersion = rulesVersion;
    if (!this.alarmSet) {
      if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + rules.boardRefreshMs);
      this.alarmSet = true;
    }
  }

  /** Write the changed clusters, recompute their verdicts and publish their board entries. */
  override async alarm(): Promise<void> {
    this.alarmSet = false;
    if (this.dirty.size === 0) return;
    const keys = [...this.dirty];
    this.dirty.clear();
    const rules = await rulesForVersion(this.env.DB, this.rulesVersion);
    const now = Date.now();
    const entries = [];
    for (const key of keys) {
      const rec = this.records.get(key);
      const entry = rec && boardEntryFor(rec, rules, Math.max(now, rec.lastSeen));
      if (entry) entries.push(entry);
    }
    try {
      for (const part of chunks(keys)) {
        await this.ctx.storage.put(Object.fromEntries(part.map((k) => [k, this.records.get(k)])));
        countRows('objectRows', part.length);
      }
    } catch (err) {
      // Written at the next alarm instead.
      for (const k of keys) this.dirty.add(k);
      throw err;
    }
    this.evict();
    if (entries.length > 0) await this.env.BOARD_STATE.get(this.env.BOARD_STATE.idFromName('board')).publish(entries);
  }

  /** Bound memory: unchanged records are in storage, so dropping them costs a read when next seen. */
  private evict(): void {
    if (this.records.size <= CACHED_CLUSTERS) return;
    for (const k of this.records.keys()) {
      if (this.records.size <= CACHED_CLUSTERS / 2) break;
      if (!this.dirty.has(k)) this.records.delete(k);
    }
  }

  async record(key: string): Promise<ClusterRecord | null> {
    return this.records.get(`c:${key}`) ?? (await this.ctx.storage.get<ClusterRecord>(`c:${key}`)) ?? null;
  }
}
