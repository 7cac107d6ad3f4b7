/** Rules as data: validation, and a positive and a negative case for every default rule. */
import { describe, expect, it } from 'vitest';
import { scoreRules } from '../../../src/engine/decide';
import { compileRuleSet, RuleSetError } from '../../../src/engine/rules/compile';
import { DEFAULT_RULE_SET, defaultRules } from '../../../src/engine/rules/defaults';
import type { FeatureMap, FeatureVector } from '../../../src/engine/signals';
import { FEATURES, featureVector, newFeatureVector } from '../../../src/engine/signals';
import cases from '../../fixtures/rule-cases.json';

type Case = Record<string, number | string>;
const table = cases.cases as unknown as Record<string, { positive: Case[]; negative: Case[] }>;

function features(c: Case): FeatureVector {
  const out: FeatureMap = { ...(cases.base as FeatureMap) };
  for (const [k, v] of Object.entries(c)) if (typeof v === 'number') out[k] = v;
  return featureVector(out, newFeatureVector());
}

describe('default rule set', () => {
  const compiled = defaultRules();

  it('validates, and every rule uses only documented features', () => {
    expect(compiled.rules.length).toBe(DEFAULT_RULE_SET.rules.length);
    const names = JSON.stringify(DEFAULT_RULE_SET).match(/"feature":"([^"]+)"/g) ?? [];
    for (const n of names) expect(Object.hasOwn(FEATURES, n.slice(11, -1))).toBe(true);
  });

  it('has a positive and a negative case for every rule, and no case for a rule that does not exist', () => {
    for (const rule of DEFAULT_RULE_SET.rules) {
      expect(table[rule.id]?.positive.length, rule.id).toBeGreaterThan(0);
      expect(table[rule.id]?.negative.length, rule.id).toBeGreaterThan(0);
    }
    const ids = new Set(DEFAULT_RULE_SET.rules.map((r) => r.id));
    for (const id of Object.keys(table)) expect(ids.has(id), id).toBe(true);
  });

  for (const [id, { positive, negative }] of Object.entries(table)) {
    it(`${id}: matches its positive cases and none of its negative ones`, () => {
      const rule = compiled.rules.find((r) => r.id === id);
      expect(rule).toBeDefined();
      for (const c of positive) expect(rule?.test(features(c)), JSON.stringify(c)).toBe(true);
      for (const c of negative) expect(rule?.test(features(c)), JSON.stringify(c)).toBe(false);
    });
  }
});

describe('rule-set validation', () => {
  const valid = () => structuredClone(DEFAULT_RULE_SET);

  function issuesOf(doc: unknown): string[] {
    try {
      compileRuleSet(doc);
    } catch (err) {
      expect(err).toBeInstanceOf(RuleSetError);
      return (err as RuleSetError).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    }
    throw new Error('expected the rule set to be rejected');
  }

  it('names an unknown feature, including prototype names', () => {
    const doc = valid();
    (doc.rules[0] as { when: unknown }).when = { feature: 'principal.nope', gte: 1 };
    expect(issuesOf(doc).join()).toContain('unknown feature "principal.nope"');
    (doc.rules[0] as { when: unknown }).when = { feature: 'constructor', gte: 1 };
    expect(issuesOf(doc).join()).toContain('unknown feature "constructor"');
  });

  it('rejects duplicate ids', () => {
    const doc = valid();
    (doc.rules[1] as { id: string }).id = doc.rules[0]?.id as string;
    expect(issuesOf(doc).join()).toContain('rules.1.id: duplicate rule id');
  });

  it('rejects bad modes, decreasing thresholds and bad durations, naming each field', () => {
    const doc = valid();
    (doc.rules[2] as { mode: string }).mode = 'maybe';
    doc.evaluator.thresholds.block = 10;
    doc.evaluator.ttl.block = 'forever';
    const issues = issuesOf(doc).join('\n');
    expect(issues).toMatch(/rules\.2\.mode/);
    expect(issues).toMatch(/evaluator\.thresholds: thresholds must not decrease/);
    expect(issues).toMatch(/evaluator\.ttl\.block/);
  });

  it('rejects a comparison without an operator and unknown fields', () => {
    const doc = valid();
    (doc.rules[0] as { when: unknown }).when = { feature: 'request.cot' };
    (doc.rules[1] as Record<string, unknown>).severity = 'high';
    const issues = issuesOf(doc).join('\n');
    expect(issues).toContain('a comparison needs one of gte, gt, lte, lt, eq');
    expect(issues).toMatch(/rules\.1/);
  });
});

describe('compiled conditions', () => {
  const leaf = (feature: string, gte: number) => ({ feature, gte });
  const f = (a: number, b: number, c: number): FeatureVector =>
    featureVector({ 'request.cot': a, 'request.format': b, 'request.n': c }, newFeatureVector());
  const testOf = (when: unknown) => {
    const doc = structuredClone(DEFAULT_RULE_SET);
    doc.rules = [{ ...(doc.rules[0] as (typeof doc.rules)[number]), mode: 'enforce', when: when as never }];
    return (compileRuleSet(doc).rules[0] as { test: (v: FeatureVector) => boolean }).test;
  };
  const A = leaf('request.cot', 1);
  const B = leaf('request.format', 1);
  const C = leaf('request.n', 1);
  const cases: Array<[number, number, number]> = [];
  for (let i = 0; i < 8; i++) cases.push([i & 1, (i >> 1) & 1, (i >> 2) & 1]);

  it('all and any of one, two and three parts, and not, agree with their truth tables', () => {
    const shapes: Array<[unknown, (a: boolean, b: boolean, c: boolean) => boolean]> = [
      [{ all: [A] }, (a) => a],
      [{ all: [A, B] }, (a, b) => a && b],
      [{ all: [A, B, C] }, (a, b, c) => a && b && c],
      [{ any: [A] }, (a) => a],
      [{ any: [A, B] }, (a, b) => a || b],
      [{ any: [A, B, C] }, (a, b, c) => a || b || c],
      [{ not: { any: [A, { all: [B, C] }] } }, (a, b, c) => !(a || (b && c))],
    ];
    for (const [when, truth] of shapes) {
      const test = testOf(when);
      for (const [a, b, c] of cases) expect(test(f(a, b, c)), `${JSON.stringify(when)} on ${a}${b}${c}`).toBe(truth(a > 0, b > 0, c > 0));
    }
  });
});

describe('scoring', () => {
  it('lists contributions highest points first, rules with equal points in rule-set order', () => {
    const doc = structuredClone(DEFAULT_RULE_SET);
    const base = doc.rules[0] as (typeof doc.rules)[number];
    const points = [5, 10, 5, 10, 7, -2, 10];
    doc.rules = points.map((p, i) => ({
      ...base,
      id: `r${i}`,
      mode: 'enforce' as const,
      points: p,
      when: { feature: 'request.cot', gte: 0 },
    }));
    const { contributions, total } = scoreRules(compileRuleSet(doc), { 'request.cot': 1 });
    expect(contributions.map(([id]) => id)).toEqual(['r1', 'r3', 'r6', 'r4', 'r0', 'r2', 'r5']);
    expect(total).toBe(points.reduce((a, b) => a + b, 0));
  });
});
