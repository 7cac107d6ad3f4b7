/**
 * The engine's state in memory, for the replay CLI and the simulator: the same records the Durable
 * Objects hold, and the same verdict-board propagation delay (`boardRefresh`) on the records' clock.
 */
import { type BoardEntry, boardEntryFor, sightingsFor } from './board';
import type { ListHit } from './decide';
import { type EngineKeys, type FingerprintOptions, fingerprint } from './fingerprint';
import { clusterObservation, observeAndDecide } from './pipeline';
import type { CompiledRuleSet } from './rules/compile';
import { type ClusterObservation, type ClusterRecord, type ClusterStats, newCluster, observeCluster } from './state/cluster';
import { newPrincipal, observeUsage, type PrincipalRecord } from './state/principal';
import { type ClusterKind, type ClusterRef, type Decision, type Features, isStop, type RawRequest, type Usage } from './types';

export interface MemoryEngineOptions {
  rules: CompiledRuleSet;
  keys: EngineKeys;
  trustedOrgHeader?: string | null;
}

export interface Processed {
  decision: Decision;
  features: Features;
}

/**
 * A cluster's record and its board entry as last published: one map lookup finds both. Over half of a
 * day's clusters (one prompt's frame or template) are seen once, and a cluster seen once is never
 * published (one principal is below the board's floor: `minJudged` is at least 2), so its record is
 * made only at its second sighting, from the first one held here: what it then holds, and every
 * decision, is what it would have been.
 */
interface ClusterSlot {
  key: string;
  kind: ClusterKind;
  /** Undefined while the cluster has been seen once. */
  rec: ClusterRecord | undefined;
  /** That one sighting, until the record is made. */
  first: ClusterObservation | undefined;
  firstAt: number;
  published: BoardEntry | undefined;
  dirty: boolean;
  /** The stats last computed, and for which generation window (`windowMs:gen`), until a counted sketch changes. */
  stats: ClusterStats | undefined;
  statsWindow: string;
}

export class MemoryEngine {
  readonly principals = new Map<string, PrincipalRecord>();
  private readonly slots = new Map<string, ClusterSlot>();
  readonly lists = new Map<string, ListHit>();
  private readonly orgOfKey = new Map<string, string>();
  private readonly dirty: ClusterSlot[] = [];
  private boardAt = Number.NEGATIVE_INFINITY;
  private ruleSet: CompiledRuleSet;

  private readonly fingerprintOptions: FingerprintOptions;
  private readonly requestSlots: ClusterSlot[] = [];

  constructor(options: MemoryEngineOptions) {
    this.ruleSet = options.rules;
    this.fingerprintOptions = {
      keys: options.keys,
      trustedOrgHeader: options.trustedOrgHeader ?? null,
      orgOfKey: (k) => this.orgOfKey.get(k) ?? null,
    };
  }

  get rules(): CompiledRuleSet {
    return this.ruleSet;
  }

  /** New rules apply from the next request; a first sighting held back is recorded under the rules it came under. */
  set rules(rules: CompiledRuleSet) {
    for (const slot of this.slots.values()) {
      if (!slot.first) continue;
      this.recordOf(slot);
      this.markDirty(slot);
    }
    this.ruleSet = rules;
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
    for (const [key, { rec, firstAt }] of this.slots) {
      const lastSeen = rec ? rec.lastSeen : firstAt;
      if (lastSeen < now - 2 * windowMs && !(rec?.verdict && rec.verdict.until > now)) this.slots.delete(key);
    }
  }

  /** Publish cluster verdicts, as the live board does, at most once per `boardRefresh`. */
  private refreshBoard(now: number): void {
    if (now - this.boardAt < this.rules.boardRefreshMs) return;
    this.boardAt = now;
    this.sweep(now);
    // Shared clusters (a network, an SDK's shape) are touched between most refreshes, usually by
    // principals their sketches already count: their stats are reused until a sketch changes.
    const { windowMs } = this.rules.clusterPolicy;
    const window = `${windowMs}:${Math.floor(now / windowMs)}`;
    for (const slot of this.dirty) {
      slot.dirty = false;
      // A swept cluster's slot may still be listed here; publishing it again is harmless.
      const entry = boardEntryFor(this.recordOf(slot), this.rules, now, slot.statsWindow === window ? slot.stats : undefined);
      if (entry) {
        slot.published = entry;
        slot.stats = entry.stats;
        slot.statsWindow = window;
      }
    }
    this.dirty.length = 0;
  }

  process(raw: RawRequest, now: number): Processed {
    this.refreshBoard(now);
    const features = fingerprint(raw, this.fingerprintOptions);
    let principal = this.principals.get(features.principal);
    if (!principal) {
      principal = newPrincipal(features.principal, now);
      this.principals.set(features.principal, principal);
    }
    const list = this.lists.get(features.principal) ?? (features.org ? this.lists.get(features.org) : undefined) ?? null;
    // Indexed loops over the request's clusters, into a reused list: `process` is synchronous, and the
    // closures and iterators of `map` and `for...of` were a few hundred bytes a request to collect.
    const refs = features.clusters;
    const slots = this.requestSlots;
    slots.length = 0;
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i] as ClusterRef;
      let slot = this.slots.get(ref.key);
      if (!slot) {
        slot = {
          key: ref.key,
          kind: ref.kind,
          rec: undefined,
          first: undefined,
          firstAt: now,
          published: undefined,
          dirty: false,
          stats: undefined,
          statsWindow: '',
        };
        this.slots.set(ref.key, slot);
      }
      slots.push(slot);
    }
    const sightings = sightingsFor(refs, (_k, i) => slots[i]?.published, this.rules, now);
    const result = observeAndDecide(principal, features, sightings, this.rules, list, now);
    const obs = clusterObservation(features, result, principal, this.rules, now);
    const { windowMs, minJudged } = this.rules.clusterPolicy;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as ClusterSlot;
      if (slot.rec === undefined && slot.first === undefined && minJudged >= 2) {
        slot.first = obs; // its first sighting: nothing to publish yet (see ClusterSlot)
        continue;
      }
      if (observeCluster(this.recordOf(slot), obs, now, windowMs)) slot.stats = undefined;
      this.markDirty(slot);
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

  /** Cluster records held (for state-size measurements). */
  clusterRecords(): IterableIterator<ClusterRecord> {
    return Array.from(this.slots.values(), (s) => this.recordOf(s)).values();
  }

  private markDirty(slot: ClusterSlot): void {
    if (slot.dirty) return;
    slot.dirty = true;
    this.dirty.push(slot);
  }

  /** A slot's record, made from its first sighting if it has none yet. */
  private recordOf(slot: ClusterSlot): ClusterRecord {
    if (slot.rec) return slot.rec;
    const rec = newCluster(slot.key, slot.kind, slot.firstAt);
    if (slot.first) observeCluster(rec, slot.first, slot.firstAt, this.rules.clusterPolicy.windowMs);
    slot.rec = rec;
    slot.first = undefined;
    return rec;
  }

  /** Stops are what a replay driver reacts to (e.g. by rotating its key). */
  static stopped(decision: Decision): boolean {
    return isStop(decision.action);
  }
}
