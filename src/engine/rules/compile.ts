/** Compile a rule-set document once per version into closures; bad documents fail loudly here. */

import { FEATURE_NAMES, type FeatureVector } from '../signals';
import type { ClusterPolicy } from '../state/cluster';
import type { Action } from '../types';
import { type Condition, durationMs, type Evaluator, type Rule, type RuleSet, ruleSetSchema } from './schema';

export type Predicate = (v: FeatureVector) => boolean;

export interface CompiledRule {
  id: string;
  mode: Rule['mode'];
  points: number;
  cap: Rule['cap'];
  test: Predicate;
}

export interface CompiledRuleSet {
  version: number;
  document: RuleSet;
  rules: CompiledRule[];
  /** Ids of rules in `enforce` mode: standing decisions and verdicts hold only while theirs all are. */
  enforced: ReadonlySet<string>;
  /** Ids of rules tagged `coordination`: they score the campaign, not the principal. */
  coordination: ReadonlySet<string>;
  thresholds: Evaluator['thresholds'];
  ttlMs: Record<'throttle' | 'challenge' | 'block', number>;
  degrade: Evaluator['degrade'];
  clusterPolicy: ClusterPolicy;
  freshAgeMs: number;
  judgedAfter: number;
  suspectScore: number;
  boardRefreshMs: number;
}

export class RuleSetError extends Error {
  override name = 'RuleSetError';
  constructor(
    message: string,
    readonly issues: Array<{ path: Array<string | number>; message: string }>,
  ) {
    super(message);
  }
}

/**
 * `all` (every part holds) or `any` (some part holds) as a plain loop, since every request runs every
 * rule; one part is the part itself, and the common two-part case is one expression.
 */
function combine(parts: Predicate[], all: boolean): Predicate {
  const [a, b] = parts;
  if (parts.length === 1 && a) return a;
  if (parts.length === 2 && a && b) return all ? (f) => a(f) && b(f) : (f) => a(f) || b(f);
  return (f) => {
    for (let i = 0; i < parts.length; i++) if ((parts[i] as Predicate)(f) !== all) return !all;
    return all;
  };
}

function compileCondition(c: Condition): Predicate {
  if ('all' in c) return combine(c.all.map(compileCondition), true);
  if ('any' in c) return combine(c.any.map(compileCondition), false);
  if ('not' in c) {
    const inner = compileCondition(c.not);
    return (f) => !inner(f);
  }
  const { feature, gte, gt, lte, lt, eq } = c;
  const i = FEATURE_NAMES.indexOf(feature);
  if (i < 0) throw new Error(`unknown feature ${JSON.stringify(feature)}`); // the schema admits none
  // Nearly every leaf has one bound: a closure for it alone is what a request evaluates ~100 times.
  const bounds = [gte, gt, lte, lt, eq].filter((b) => b !== undefined).length;
  if (bounds === 1) {
    if (gte !== undefined) return (f) => (f[i] as number) >= gte;
    if (gt !== undefined) return (f) => (f[i] as number) > gt;
    if (lte !== undefined) return (f) => (f[i] as number) <= lte;
    if (lt !== undefined) return (f) => (f[i] as number) < lt;
    return (f) => f[i] === eq;
  }
  return (f) => {
    const v = f[i] as number;
    return (
      (gte === undefined || v >= gte) &&
      (gt === undefined || v > gt) &&
      (lte === undefined || v <= lte) &&
      (lt === undefined || v < lt) &&
      (eq === undefined || v === eq)
    );
  };
}

/** Validate (zod) and compile. Throws RuleSetError naming every bad field. */
export function compileRuleSet(input: unknown): CompiledRuleSet {
  const parsed = ruleSetSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
      message: i.message,
    }));
    throw new RuleSetError(`invalid rule set: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, issues);
  }
  const doc = parsed.data;
  const ev = doc.evaluator;
  return {
    version: doc.version,
    document: doc,
    rules: doc.rules
      .filter((r) => r.mode !== 'off')
      .map((r) => ({ id: r.id, mode: r.mode, points: r.points, cap: r.cap, test: compileCondition(r.when) })),
    enforced: new Set(doc.rules.filter((r) => r.mode === 'enforce').map((r) => r.id)),
    coordination: new Set(doc.rules.filter((r) => r.tags.includes('coordination')).map((r) => r.id)),
    thresholds: ev.thresholds,
    ttlMs: { throttle: durationMs(ev.ttl.throttle), challenge: durationMs(ev.ttl.challenge), block: durationMs(ev.ttl.block) },
    degrade: ev.degrade,
    clusterPolicy: {
      kinds: ev.clusters.kinds,
      minJudged: ev.clusters.minJudged,
      minStopped: ev.clusters.minStopped,
      stoppedShare: ev.clusters.stoppedShare,
      crowd: ev.clusters.crowd,
      action: ev.clusters.action,
      ttlMs: durationMs(ev.clusters.ttl),
      windowMs: durationMs(ev.clusters.freshAge),
      textMinCot: ev.clusters.textMinCot,
      frameMinTemplates: ev.clusters.frameMinTemplates,
      vetoEstablished: ev.clusters.vetoEstablished,
    },
    freshAgeMs: durationMs(ev.clusters.freshAge),
    judgedAfter: ev.clusters.judgedAfter,
    suspectScore: ev.clusters.suspectScore,
    boardRefreshMs: durationMs(ev.clusters.boardRefresh),
  };
}

/** The action the evaluator maps a total to. */
export function actionFor(total: number, t: Evaluator['thresholds']): Action {
  if (total >= t.block) return 'block';
  if (total >= t.challenge) return 'challenge';
  if (total >= t.throttle) return 'throttle';
  if (total >= t.degrade) return 'degrade';
  if (total >= t.log) return 'log';
  return 'allow';
}
