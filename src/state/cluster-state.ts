/**
 * Cluster records, sharded: cluster key -> one of CLUSTER_SHARDS objects, so no single object holds every
 * shared fingerprint. Isolates send observations in batches from `waitUntil`; an alarm recomputes the
 * verdicts of the clusters that changed and publishes them to the verdict board.
 */
import { DurableObject } from 'cloudflare:workers';
import { boardEntryFor } from '../engine/board';
import { hash32 } from '../engine/hash/sketch';
import { type ClusterObservation, type ClusterRecord, newCluster, observeCluster, principalsCount } from '../engine/state/cluster';
import type { ClusterRef } from '../engine/types';
import { countRows } from '../isolate-stats';
import { boardStub } from './board-state';
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
 * A restart loses at most this much of single-principal clusters' counts: the alarm writes them this
 * often (or when memory is full), not every window they change in.
 */
export const SINGLES_FLUSH_MS = 60_000;

/**
 * Observations change records in memory; the alarm (every `boardRefresh`, 5 s by default, while any
 * changed) publishes verdicts and writes changed records. Writing every touched record on every batch
 * wrote each busy cluster (a shape, a network) once a second per isolate, in bursts of SQLite work that
 * landed on whatever requests were in flight (the local one-at-a-time p99 fell by 5-14 ms without them).
 *
 * A record only one principal shares is evidence of nothing across accounts yet, and most records are
 * such (one prompt's frame, resent by its one key): those are written every SINGLES_FLUSH_MS, or at once
 * when memory is full, instead of every alarm; in the latency bench they were over half the object rows
 * written. A crash loses at most one alarm window of counts for shared clusters, one SINGLES_FLUSH_MS
 * window for the rest.
 */
export class ClusterState extends DurableObject<Cloudflare.Env> {
  private readonly records = new Map<string, ClusterRecord>();
  /** Keys changed since the last alarm: the alarm recomputes and publishes their verdicts. */
  private readonly dirty = new Set<string>();
  /** Keys changed since last written. */
  private readonly unwritten = new Set<string>();
  private rulesVersion = 0;
  /** The alarm as set (null: none; undefined: not read from storage since this instance started). */
  private alarmAt: number | null | undefined;
  /**
   * Started at a random point of the last SINGLES_FLUSH_MS: shards started together (a deploy, the
   * first traffic) would otherwise all write their single records in the same alarm cycle.
   */
  private singlesWrittenAt = Date.now() - Math.random() * SINGLES_FLUSH_MS;

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
      this.unwritten.add(key);
    }
    this.rulesVersion = rulesVersion;
    await this.alarmBy(Date.now() + rules.boardRefreshMs);
  }

  /** Make sure the alarm runs by `at`: an existing earlier alarm stands. */
  private async alarmBy(at: number): Promise<void> {
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    await this.ctx.storage.setAlarm(at);
    this.alarmAt = at;
  }

  /** Recompute and publish the changed clusters' verdicts; write the records due (see the class comment). */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const rules = await rulesForVersion(this.env.DB, this.rulesVersion);
    const now = Date.now();
    const changed = [...this.dirty];
    this.dirty.clear();
    const entries = [];
    for (const key of changed) {
      const rec = this.records.get(key);
      const entry = rec && boardEntryFor(rec, rules, Math.max(now, rec.lastSeen));
      if (entry) entries.push(entry);
    }
    const singlesDue = now - this.singlesWrittenAt >= SINGLES_FLUSH_MS || this.records.size > CACHED_CLUSTERS;
    const due = [...this.unwritten].filter((key) => {
      const rec = this.records.get(key) as ClusterRecord; // unwritten records are never evicted
      return singlesDue || rec.verdict !== null || principalsCount(rec, Math.max(now, rec.lastSeen), rules.clusterPolicy.windowMs) > 1;
    });
    try {
      for (const part of chunks(due)) {
        const rows = Object.fromEntries(part.map((k) => [k, this.records.get(k)]));
        // Marked written as the put takes its copy: a change made while it runs is written next time.
        for (const k of part) this.unwritten.delete(k);
        await this.ctx.storage.put(rows);
        countRows('objectRows', part.length);
      }
    } catch (err) {
      // Written at the retried alarm instead (rewriting a part that did land is harmless), which also
      // publishes the verdicts.
      for (const k of due) this.unwritten.add(k);
      for (const k of changed) this.dirty.add(k);
      throw err;
    }
    if (singlesDue) this.singlesWrittenAt = now;
    this.evict();
    if (entries.length > 0) await boardStub(this.env).publish(entries);
    if (this.unwritten.size > 0) await this.alarmBy(this.singlesWrittenAt + SINGLES_FLUSH_MS);
  }

  /** Bound memory: unchanged records are in storage, so dropping them costs a read when next seen. */
  private evict(): void {
    if (this.records.size <= CACHED_CLUSTERS) return;
    for (const k of this.records.keys()) {
      if (this.records.size <= CACHED_CLUSTERS / 2) break;
      if (!this.unwritten.has(k)) this.records.delete(k);
    }
  }

  async record(key: string): Promise<ClusterRecord | null> {
    return this.records.get(`c:${key}`) ?? (await this.ctx.storage.get<ClusterRecord>(`c:${key}`)) ?? null;
  }
}
