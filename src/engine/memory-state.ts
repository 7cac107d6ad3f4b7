/**
 * The engine's state in memory, for the replay CLI and the simulator: the same records the Durable
 * Objects hold, and the same verdict-board propagation delay (`boardRefresh`) on the records' clock.
 */
import { type BoardEntry, boardEntryFor, sightingsFor } from './board';
import type { ListHit } from './decide';
import { type EngineKeys, fingerprint } from './fingerprint';
import { clusterObservation, observeAndDecide } from './pipeline';
import type { CompiledRuleSet } from './rules/compile';
import { type ClusterRecord, newCluster, observeCluster } from './state/cluster';
import { newPrincipal, observeUsage, type PrincipalRecord } from './state/principal';
import { type Decision, type Features, isStop, type RawRequest, type Usage } from './types';

export interface MemoryEngineOptions {
  rules: CompiledRuleSet;
  keys: EngineKeys;
  trustedOrgHeader?: string | null;
}

export interface Processed {
  decision: Decision;
  features: Features;
}

export class MemoryEngine {
  readonly principals = new Map<string, PrincipalRecord>();
  readonly clusters = new Map<string, ClusterRecord>();
  readonly lists = new Map<string, ListHit>();
  private readonly orgOfKey = new Map<string, string>();
  private board = new Map<string, BoardEntry>();
  private readonly dirty = new Set<string>();
  private boardAt = Number.NEGATIVE_INFINITY;
  rules: CompiledRuleSet;

  constructor(private readonly options: MemoryEngineOptions) {
    this.rules = options.rules;
  }

  private sweptAt = 0;

  /**
   * Forget clusters whose two generations have both expired and that hold no live verdict: they
   * carry no information any more, and one-off prompt frames would otherwise grow without bound.
   */
  private sweep(now: number): void {
    const windowMs = this.rules.clusterPolicy.windowMs;
    if (now - this.sweptAt < windowMs) return;
    this.sweptAt = now;
    for (const [key, rec] of this.clusters) {
      if (rec.lastSeen < now - 2 * windowMs && !(rec.verdict && rec.verdict.until > now)) {
        this.clusters.delete(key);
        this.board.delete(key);
      }
    }
  }

  /** Publish cluster verdicts, as the live board does, at most once per `boardRefresh`. */
  private refreshBoard(now: number): void {
    if (now - this.boardAt < this.rules.boardRefreshMs) return;
    this.boardAt = now;
    this.sweep(now);
    for (const key of this.dirty) {
      const rec = this.clusters.get(key);
      if (!rec) continue;
      const entry = boardEntryFor(rec, this.rules, now);
      if (entry) this.board.set(key, entry);
    }
    this.dirty.clear();
  }

  process(raw: RawRequest, now: number): Processed {
    this.refreshBoard(now);
    const features = fingerprint(raw, {
      keys: this.options.keys,
      trustedOrgHeader: this.options.trustedOrgHeader ?? null,
      orgOfKey: (k) => this.orgOfKey.get(k) ?? null,
    });
    let principal = this.principals.get(features.principal);
    if (!principal) {
      principal = newPrincipal(features.principal, now);
      this.principals.set(features.principal, principal);
    }
    const list = this.lists.get(features.principal) ?? (features.org ? this.lists.get(features.org) : undefined) ?? null;
    const sightings = sightingsFor(features.clusters, (k) => this.board.get(k), this.rules, now);
    const result = observeAndDecide(principal, features, sightings, this.rules, list, now);
    const obs = clusterObservation(features, result, principal, this.rules, now);
    for (const ref of features.clusters) {
      let rec = this.clusters.get(ref.key);
      if (!rec) {
        rec = newCluster(ref.key, ref.kind, now);
        this.clusters.set(ref.key, rec);
      }
      observeCluster(rec, obs, now, this.rules.clusterPolicy.windowMs);
      this.dirty.add(ref.key);
    }
    return { decision: result.decision, features };
  }

  /** What the origin answered: usage for the principal's counters, and the key's organization. */
  observeResponse(features: Features, usage: Usage | null, org: string | null, now: number): void {
    const principal = this.principals.get(features.principal);
    if (!principal) return;
    if (usage) observeUsage(principal, usage, now);
    if (org && features.keyHash) this.orgOfKey.set(features.keyHash, org);
  }

  /** Stops are what a replay driver reacts to (e.g. by rotating its key). */
  static stopped(decision: Decision): boolean {
    return isStop(decision.action);
  }
}
