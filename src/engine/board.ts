/**
 * The verdict board: what isolates (and the replay) know about clusters, refreshed every
 * `boardRefresh`. Only clusters that matter are published: those with a verdict or enough principals.
 */
import type { CompiledRuleSet } from './rules/compile';
import type { ClusterSighting } from './signals';
import { type ClusterRecord, type ClusterStats, type ClusterVerdict, clusterStats, principalsCount, updateVerdict } from './state/cluster';
import type { ClusterKind, ClusterRef } from './types';

export interface BoardEntry {
  key: string;
  kind: ClusterKind;
  stats: ClusterStats;
  verdict: ClusterVerdict | null;
  /** Volume (requests ever) and recency, for the operator's view of the largest clusters. */
  requests?: number;
  lastSeen?: number;
}

/** Smallest cluster worth publishing without a verdict (its shares feed coordination features). */
export const PUBLISH_MIN_PRINCIPALS = 3;

/** Cluster kinds whose stats feed features (coordination reads content clusters) or that can carry verdicts. */
function published(kind: ClusterKind, rules: CompiledRuleSet): boolean {
  return (
    rules.clusterPolicy.kinds.includes(kind) ||
    kind === 'prefix' ||
    kind === 'suffix' ||
    kind === 'template' ||
    kind === 'system' ||
    kind === 'tools'
  );
}

/**
 * Recompute a cluster's verdict and its board entry (null: not worth publishing). `known` is the
 * cluster's stats when the caller knows they have not changed (no counted sketch changed since they
 * were computed, in the same generation window); the verdict is still re-evaluated at `now`.
 */
export function boardEntryFor(rec: ClusterRecord, rules: CompiledRuleSet, now: number, known?: ClusterStats): BoardEntry | null {
  if (!published(rec.kind, rules)) return null;
  // Most clusters are one prompt's frame seen by one principal. Below both the publishing size and the
  // judged principals a verdict needs, nothing else can change (sub-sketches count at most as many
  // principals as the whole), so the other five counts are skipped.
  const liveVerdict = rec.verdict !== null && rec.verdict.until > now;
  const principals = known ? known.principals : principalsCount(rec, now, rules.clusterPolicy.windowMs);
  if (!liveVerdict && principals < Math.min(PUBLISH_MIN_PRINCIPALS, rules.clusterPolicy.minJudged)) {
    rec.verdict = null;
    return null;
  }
  const stats = known ?? clusterStats(rec, now, rules.clusterPolicy.windowMs);
  const verdict = updateVerdict(rec, rules.clusterPolicy, now, stats);
  if (!verdict && stats.principals < PUBLISH_MIN_PRINCIPALS) return null;
  return { key: rec.key, kind: rec.kind, stats, verdict, requests: rec.requests, lastSeen: rec.lastSeen };
}

/** A verdict is enforced while the rules behind most of its stops are in `enforce`. */
export function verdictEnforced(verdict: ClusterVerdict, rules: CompiledRuleSet): boolean {
  const top = verdict.rules.slice(0, 3);
  return top.length > 0 && top.every((id) => rules.enforced.has(id));
}

export function sightingsFor(
  refs: readonly ClusterRef[],
  lookup: (key: string, index: number) => BoardEntry | undefined,
  rules: CompiledRuleSet,
  now: number,
): ClusterSighting[] {
  const out: ClusterSighting[] = [];
  for (let i = 0; i < refs.length; i++) {
    const e = lookup((refs[i] as ClusterRef).key, i);
    if (!e) continue;
    const verdict = e.verdict && e.verdict.until > now ? e.verdict : null;
    out.push({ key: e.key, kind: e.kind, stats: e.stats, verdict, verdictEnforced: verdict ? verdictEnforced(verdict, rules) : false });
  }
  return out;
}
