/**
 * Backtest: what a candidate rule set would have decided over stored decision records, next to what was
 * decided. Each stored bucket (principal, hour, action) keeps the feature map of its highest-scoring
 * request, so a candidate is scored on real features without any prompt text. A stop the candidate makes
 * stands for its TTL over the principal's later buckets, as a standing decision would live. Buckets from
 * lists keep their recorded action: lists are not rules.
 */
import { actionsFor, maxAction, scoreRules } from './decide';
import type { CompiledRuleSet } from './rules/compile';
import type { FeatureMap } from './signals';
import { ACTIONS, type Action, isStop } from './types';

export interface StoredBucket {
  principal: string;
  /** Last request in the bucket (epoch ms). */
  ts: number;
  action: Action;
  wouldAction: Action;
  /** Requests the bucket stands for. */
  count: number;
  reasons: string[];
  /** The sampled request's features; null for buckets recorded before samples existed. */
  features: FeatureMap | null;
}

export type ActionCounts = Record<Action, number>;

export interface BacktestResult {
  buckets: number;
  requests: number;
  /** Requests whose bucket had no feature sample: counted as decided. */
  unscored: number;
  /** Requests by the action taken at the time. */
  decided: ActionCounts;
  /** Requests by the action the candidate takes (its enforce rules). */
  candidate: ActionCounts;
  /** Requests by what the candidate would take with every rule enforced. */
  candidateWould: ActionCounts;
  /** Requests whose action changes. */
  changed: number;
  principals: number;
  /** Principals never stopped at the time that the candidate stops, and the reverse (first 200 of each). */
  newlyStopped: string[];
  released: string[];
  newlyStoppedCount: number;
  releasedCount: number;
  /** The candidate's rules by the requests they added points to. */
  ruleHits: Record<string, number>;
}

const zeroCounts = (): ActionCounts => Object.fromEntries(ACTIONS.map((a) => [a, 0])) as ActionCounts;
const LIST_LIMIT = 200;

export function backtest(stored: readonly StoredBucket[], rules: CompiledRuleSet): BacktestResult {
  const result: BacktestResult = {
    buckets: stored.length,
    requests: 0,
    unscored: 0,
    decided: zeroCounts(),
    candidate: zeroCounts(),
    candidateWould: zeroCounts(),
    changed: 0,
    principals: 0,
    newlyStopped: [],
    released: [],
    newlyStoppedCount: 0,
    releasedCount: 0,
    ruleHits: {},
  };
  const byPrincipal = new Map<string, StoredBucket[]>();
  for (const b of stored) {
    const list = byPrincipal.get(b.principal);
    if (list) list.push(b);
    else byPrincipal.set(b.principal, [b]);
  }
  result.principals = byPrincipal.size;
  for (const [principal, buckets] of byPrincipal) {
    buckets.sort((a, b) => a.ts - b.ts);
    let standing: { action: Action; until: number } | null = null;
    let wasStopped = false;
    let isStopped = false;
    for (const b of buckets) {
      let action = b.action;
      let would = b.wouldAction;
      if (b.features && !b.reasons.some((r) => r.startsWith('list.'))) {
        const score = scoreRules(rules, b.features);
        ({ action, wouldAction: would } = actionsFor(score, rules));
        for (const [id, points] of score.contributions) if (points > 0) result.ruleHits[id] = (result.ruleHits[id] ?? 0) + b.count;
        if (standing && standing.until > b.ts) action = maxAction(action, standing.action);
        if (isStop(action) && (!standing || standing.until <= b.ts)) {
          standing = { action, until: b.ts + rules.ttlMs[action as 'throttle' | 'challenge' | 'block'] };
        }
        would = maxAction(would, action);
      } else if (!b.features) {
        result.unscored += b.count;
      }
      result.requests += b.count;
      result.decided[b.action] += b.count;
      result.candidate[action] += b.count;
      result.candidateWould[would] += b.count;
      if (action !== b.action) result.changed += b.count;
      wasStopped ||= isStop(b.action);
      isStopped ||= isStop(action);
    }
    if (isStopped && !wasStopped) result.newlyStopped.push(principal);
    if (wasStopped && !isStopped) result.released.push(principal);
  }
  result.newlyStoppedCount = result.newlyStopped.length;
  result.releasedCount = result.released.length;
  result.newlyStopped = result.newlyStopped.sort().slice(0, LIST_LIMIT);
  result.released = result.released.sort().slice(0, LIST_LIMIT);
  return result;
}

/** A feature map trimmed for storage: numbers rounded to 4 decimals, zeros dropped (a missing feature reads 0). */
export function compactFeatures(map: FeatureMap): FeatureMap {
  // for-in, not Object.entries: a principal's object compacts a sixty-feature map on most requests.
  const out: FeatureMap = {};
  for (const k in map) {
    const v = map[k] as number;
    if (v !== 0 && Number.isFinite(v)) out[k] = Math.round(v * 10_000) / 10_000;
  }
  return out;
}
