/**
 * decide(features, state, rules, now) -> Decision. Rules only add points; this one step maps points,
 * lists and standing decisions to an action (OWASP CRS-style anomaly scoring).
 */
import { actionFor, type CompiledRuleSet } from './rules/compile';
import { type ClusterSighting, computeFeatures, type FeatureMap, featureVector, newFeatureVector } from './signals';
import type { PrincipalRecord, Standing } from './state/principal';
import { ACTION_RANK, type Action, type Decision, type Features, isStop } from './types';

export type ListName = 'allow' | 'deny' | 'challenge';

export interface ListHit {
  list: ListName;
  reason: string;
}

export interface DecideInput {
  features: Features;
  /** The principal's record, with this request already observed. */
  principal: PrincipalRecord;
  clusters: ClusterSighting[];
  rules: CompiledRuleSet;
  list: ListHit | null;
  now: number;
}

export interface DecideResult {
  decision: Decision;
  featureMap: FeatureMap;
  /** The principal's own would-score (0..1), without coordination rules: "suspect" in its clusters. */
  ownScore: number;
  /** Own-behaviour rule ids when the request would be stopped without any cluster verdict. */
  stoppedBy: string[] | null;
  /** Own-behaviour rule ids that added points, highest first. */
  ownRules: string[];
}

const LIST_ACTION: Record<ListName, Action> = { allow: 'allow', deny: 'block', challenge: 'challenge' };

export function maxAction(a: Action, b: Action): Action {
  return ACTION_RANK[a] >= ACTION_RANK[b] ? a : b;
}

export function minAction(a: Action, b: Action): Action {
  return ACTION_RANK[a] <= ACTION_RANK[b] ? a : b;
}

/** A standing decision replayed under the current rule modes: only its enforced rules' points count. */
export function standingAction(standing: Standing, rules: CompiledRuleSet, now: number, enforcedOnly: boolean): Action | null {
  if (standing.until <= now) return null;
  let points = 0;
  for (const id in standing.points) if (!enforcedOnly || rules.enforced.has(id)) points += standing.points[id] as number;
  const replayed = actionFor(points, rules.thresholds);
  if (!isStop(replayed)) return null;
  return ACTION_RANK[replayed] < ACTION_RANK[standing.action] ? replayed : standing.action;
}

export interface RuleScore {
  /** Points of rules in `enforce`. */
  total: number;
  /** Points of every rule that is not `off` (what enforce mode would score). */
  wouldTotal: number;
  /** Would-points of the principal's own behaviour, without coordination rules. */
  ownWould: number;
  cap: Action;
  wouldCap: Action;
  /** [rule id, points, enforced], highest points first. */
  contributions: Array<[string, number, boolean]>;
}

/**
 * Stable in-place sort, highest points first: an insertion sort, as a request has a handful of
 * contributions and Array.prototype.sort allocates a work array on every call.
 */
function byPointsDescending(list: Array<[string, number, boolean]>): void {
  for (let i = 1; i < list.length; i++) {
    const item = list[i] as [string, number, boolean];
    let j = i - 1;
    while (j >= 0 && (list[j] as [string, number, boolean])[1] < item[1]) {
      list[j + 1] = list[j] as [string, number, boolean];
      j--;
    }
    list[j + 1] = item;
  }
}

// The engine is synchronous: one vector serves every request in turn.
const vector = newFeatureVector();

/** The anomaly score of one feature map under a rule set: rules only add points (and may cap the action). */
export function scoreRules(rules: CompiledRuleSet, featureMap: FeatureMap): RuleScore {
  const v = featureVector(featureMap, vector);
  // Coordination rules score the campaign, not the principal: they never make a cluster verdict.
  const coordination = rules.coordination;
  let total = 0;
  let wouldTotal = 0;
  let ownWould = 0;
  let cap: Action = 'block';
  let wouldCap: Action = 'block';
  const contributions: Array<[string, number, boolean]> = [];
  for (const rule of rules.rules) {
    if (!rule.test(v)) continue;
    const enforced = rule.mode === 'enforce';
    if (enforced) total += rule.points;
    wouldTotal += rule.points;
    if (rule.cap) {
      if (enforced) cap = minAction(cap, rule.cap);
      wouldCap = minAction(wouldCap, rule.cap);
    }
    if (!coordination.has(rule.id)) ownWould += rule.points;
    contributions.push([rule.id, rule.points, enforced]);
  }
  byPointsDescending(contributions);
  return { total, wouldTotal, ownWould, cap, wouldCap, contributions };
}

/** The actions a score maps to: enforced (`action`) and what enforce mode would do (`wouldAction`). */
export function actionsFor(score: RuleScore, rules: CompiledRuleSet): { action: Action; wouldAction: Action } {
  return {
    action: minAction(actionFor(score.total, rules.thresholds), score.cap),
    wouldAction: minAction(actionFor(score.wouldTotal, rules.thresholds), score.wouldCap),
  };
}

export function decide(input: DecideInput): DecideResult {
  const { features, principal, clusters, rules, list, now } = input;
  const featureMap = computeFeatures({ features, principal, clusters, now });
  const coordination = rules.coordination;
  const score = scoreRules(rules, featureMap);
  const { total, wouldTotal, ownWould, cap, wouldCap, contributions } = score;
  const t = rules.thresholds;
  let { action, wouldAction } = actionsFor(score, rules);
  const reasons: string[] = [];

  const standing = principal.standing;
  if (standing) {
    const enforcedStanding = standingAction(standing, rules, now, true);
    const wouldStanding = standingAction(standing, rules, now, false);
    if (enforcedStanding && ACTION_RANK[minAction(enforcedStanding, cap)] >= ACTION_RANK[action]) {
      action = minAction(enforcedStanding, cap);
      reasons.push(`standing.${enforcedStanding}`, ...standing.reasons);
    }
    if (wouldStanding) wouldAction = maxAction(wouldAction, minAction(wouldStanding, wouldCap));
  }
  // One indexed pass over the contributions (every request makes it): the breakdown, the reasons (what
  // pushed toward the action; benign credits, negative points, stay in the breakdown) and the own rules.
  const breakdown: Record<string, number> = {};
  const ownRules: string[] = [];
  let byCluster = false;
  for (let i = 0; i < contributions.length; i++) {
    const c = contributions[i] as [string, number, boolean];
    const id = c[0];
    const points = c[1];
    breakdown[id] = points;
    const isCoordination = coordination.has(id);
    byCluster ||= isCoordination;
    if (points <= 0) continue;
    if (!reasons.includes(id)) reasons.push(id);
    if (!isCoordination) ownRules.push(id);
  }
  if (byCluster) reasons.push('cluster.verdict');

  if (list) {
    action = LIST_ACTION[list.list];
    wouldAction = action;
    reasons.unshift(`list.${list.list}`);
  } else if (isStop(wouldAction)) {
    const fresh = !standing || standing.until <= now || ACTION_RANK[wouldAction] > ACTION_RANK[standing.action];
    if (fresh && wouldTotal >= t.throttle) {
      const stopAction = wouldAction as 'throttle' | 'challenge' | 'block';
      principal.standing = {
        action: stopAction,
        until: now + rules.ttlMs[stopAction],
        since: now,
        reasons: contributions.slice(0, 5).map(([id]) => id),
        points: breakdown,
      };
      // Throttles are rate limits; only challenges and blocks count toward escalation.
      if (stopAction !== 'throttle') principal.stops++;
    }
  }

  const ownScore = Math.min(1, Math.max(0, ownWould) / t.block);
  const stoppedBy = !list && ownWould >= t.throttle ? ownRules : null;
  return {
    decision: {
      action,
      wouldAction: maxAction(wouldAction, action),
      score: Math.min(1, Math.max(0, total) / t.block),
      reasons,
      principal: principal.id,
      rulesVersion: rules.version,
      until: isStop(action) ? (principal.standing?.until ?? null) : null,
      breakdown,
    },
    featureMap,
    ownScore,
    stoppedBy,
    ownRules,
  };
}
