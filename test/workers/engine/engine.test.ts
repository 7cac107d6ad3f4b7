/** The engine end to end over in-memory state: decisions, shadow, lists, standing, campaigns across accounts. */
import { describe, expect, it } from 'vitest';
import { engineKeys, fingerprint } from '../../../src/engine/fingerprint';
import { MemoryEngine } from '../../../src/engine/memory-state';
import { type CompiledRuleSet, compileRuleSet } from '../../../src/engine/rules/compile';
import { DEFAULT_RULE_SET, defaultRules } from '../../../src/engine/rules/defaults';
import type { RuleSet } from '../../../src/engine/rules/schema';
import { computeFeatures, FEATURE_NAMES, FEATURES, type FeatureMap, featureVector, newFeatureVector } from '../../../src/engine/signals';
import { clusterStats, newCluster, observeCluster } from '../../../src/engine/state/cluster';
import { newPrincipal, observeRequest, type PrincipalRecord } from '../../../src/engine/state/principal';
import { anthropic } from './requests';

const T0 = Date.UTC(2027, 0, 1);
const MIN = 60_000;
const keys = engineKeys('test-pepper');
const newEngine = (rules: CompiledRuleSet = defaultRules()) => new MemoryEngine({ rules, keys });

function withModes(mode: 'enforce' | 'shadow'): CompiledRuleSet {
  const doc = structuredClone(DEFAULT_RULE_SET) as RuleSet;
  for (const r of doc.rules) r.mode = mode;
  doc.version = 2;
  return compileRuleSet(doc);
}

const QUESTIONS = [
  'A bakery sells 48 muffins in the morning and half as many in the afternoon. How many muffins are sold in total?',
  'Which law of thermodynamics forbids a perpetual motion machine of the second kind, and why does entropy matter?',
  'Write a function that checks whether a string is a palindrome while ignoring punctuation and case.',
  'What were the main economic causes of the fall of the Western Roman Empire in the fifth century?',
  'A patient presents with fever, stiff neck and photophobia. What is the most likely diagnosis and first test?',
  'Explain the difference between a contract that is void and one that is voidable under common law.',
  'If the central bank raises interest rates, what happens to bond prices and to the exchange rate?',
  'Compose a sonnet about the ocean at dawn with a volta in the ninth line.',
];
const wrapper = (q: string) =>
  `Solve the following problem. Think step by step and show your reasoning before giving the final answer.\n\n${q}`;

/** A harvesting account: wrapped one-shot questions from a rotating residential network. */
function harvest(engine: MemoryEngine, key: string, n: number, start: number) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const raw = anthropic({
      key,
      prompt: wrapper(QUESTIONS[i % QUESTIONS.length] as string),
      maxTokens: 8192,
      ip: `100.${64 + (i % 50)}.${i}.9`,
    });
    const { decision, features } = engine.process(raw, start + i * 2 * MIN);
    if (decision.action === 'allow' || decision.action === 'log' || decision.action === 'degrade') {
      engine.observeResponse(features, { inputTokens: 80, outputTokens: 1500 }, null, start + i * 2 * MIN);
    }
    out.push(decision);
  }
  return out;
}

describe('one principal', () => {
  it('stops a wrapped chain-of-thought harvester within its first few requests, with readable reasons', () => {
    const decisions = harvest(newEngine(), 'sk-harvest-1', 12, T0);
    const firstStop = decisions.findIndex((d) => d.action === 'block' || d.action === 'challenge');
    expect(firstStop).toBeGreaterThanOrEqual(0);
    expect(firstStop).toBeLessThan(6);
    const stop = decisions[firstStop];
    expect(stop?.reasons.length).toBeGreaterThan(0);
    expect(stop?.reasons.every((r) => /^[a-z]+(\.[a-z0-9]+)+$/.test(r))).toBe(true);
    // Standing: later requests meet the stop without having to score again.
    expect(decisions.at(-1)?.reasons[0]).toMatch(/^standing\./);
    expect(decisions.at(-1)?.score).toBeGreaterThan(0);
  });

  it('lets an ordinary multi-turn conversation through', () => {
    const engine = newEngine();
    const turns: Array<{ role: string; content: string }> = [];
    for (let i = 0; i < 30; i++) {
      turns.push({ role: 'user', content: `Thanks! And what about point ${i}? Can you also suggest a recipe with lentils and rice?` });
      const { decision } = engine.process(anthropic({ key: 'sk-chat', messages: [...turns] }), T0 + i * MIN);
      expect(decision.action, `turn ${i}`).toMatch(/^(allow|log)$/);
      turns.push({ role: 'assistant', content: 'Here is a suggestion.' });
    }
  });

  it('in shadow mode decides the same but enforces nothing, and records would_action', () => {
    const decisions = harvest(newEngine(withModes('shadow')), 'sk-harvest-2', 10, T0);
    expect(decisions.every((d) => d.action === 'allow')).toBe(true);
    expect(decisions.some((d) => d.wouldAction === 'block' || d.wouldAction === 'challenge')).toBe(true);
  });

  it('replays a standing decision under the current modes: shadowing its rules lifts it, enforcing restores it', () => {
    const engine = newEngine();
    const decisions = harvest(engine, 'sk-harvest-3', 8, T0);
    expect(decisions.at(-1)?.action).toMatch(/block|challenge/);
    engine.rules = withModes('shadow');
    const lifted = harvest(engine, 'sk-harvest-3', 1, T0 + 20 * MIN)[0];
    expect(lifted?.action).toBe('allow');
    expect(lifted?.wouldAction).toMatch(/block|challenge/);
    engine.rules = withModes('enforce');
    expect(harvest(engine, 'sk-harvest-3', 1, T0 + 21 * MIN)[0]?.action).toMatch(/block|challenge/);
  });

  it('applies lists before anything else, even with every rule in shadow', () => {
    const engine = newEngine(withModes('shadow'));
    const probe = engine.process(anthropic({ key: 'sk-listed' }), T0);
    engine.lists.set(probe.features.principal, { list: 'deny', reason: 'fraud report' });
    const denied = engine.process(anthropic({ key: 'sk-listed' }), T0 + MIN).decision;
    expect(denied.action).toBe('block');
    expect(denied.reasons[0]).toBe('list.deny');
    const allowEngine = newEngine();
    const first = harvest(allowEngine, 'sk-partner', 1, T0)[0];
    allowEngine.lists.set(first?.principal as string, { list: 'allow', reason: 'research partner' });
    expect(harvest(allowEngine, 'sk-partner', 12, T0 + MIN).every((d) => d.action === 'allow')).toBe(true);
  });
});

describe('campaigns across accounts', () => {
  it('stops a fresh account of a known campaign at its first request, after the board refresh', () => {
    const engine = newEngine();
    let t = T0;
    for (let a = 0; a < 8; a++) {
      harvest(engine, `sk-campaign-${a}`, 8, t);
      t += 20 * MIN;
    }
    const refresh = engine.rules.boardRefreshMs;
    const fresh = harvest(engine, 'sk-campaign-new', 1, t + refresh + 1)[0];
    expect(fresh?.action).toBe('block');
    expect(fresh?.reasons).toContain('cluster.campaign.fresh');
    expect(fresh?.reasons).toContain('cluster.verdict');
  });

  it('does not condemn a fingerprint that long-standing clean customers share (established veto)', () => {
    const engine = newEngine();
    let t = T0;
    // Three established customers use the campaign's wrapper phrase in ordinary conversations for two days.
    for (let day = 0; day < 2; day++) {
      for (let c = 0; c < 3; c++) {
        for (let i = 0; i < 6; i++) {
          const q = QUESTIONS[(i + c) % QUESTIONS.length] as string;
          engine.process(
            anthropic({
              key: `sk-customer-${c}`,
              messages: [
                { role: 'user', content: 'hi' },
                { role: 'assistant', content: 'hello' },
                { role: 'user', content: wrapper(q) },
              ],
            }),
            t,
          );
          t += 7 * MIN;
        }
      }
      t += 12 * 60 * MIN;
    }
    for (let a = 0; a < 8; a++) {
      harvest(engine, `sk-campaign-${a}`, 8, t);
      t += 20 * MIN;
    }
    const fresh = harvest(engine, 'sk-campaign-new', 1, t + engine.rules.boardRefreshMs + 1)[0];
    expect(fresh?.reasons).not.toContain('cluster.campaign.fresh');
  });
});

describe('feature map', () => {
  it('has every documented feature and no other, each a finite number, in one shape for every request', () => {
    const engine = newEngine();
    const maps = [
      engine.process(anthropic({ key: 'sk-shape-a', prompt: wrapper(QUESTIONS[0] as string) }), T0),
      engine.process(anthropic({ key: 'sk-shape-b', messages: [{ role: 'user', content: 'hi' }] }), T0 + MIN),
    ].map((p) =>
      computeFeatures({
        features: p.features,
        principal: engine.principals.get(p.features.principal) as PrincipalRecord,
        clusters: [],
        now: T0 + MIN,
      }),
    );
    for (const map of maps) {
      expect(Object.keys(map).sort()).toEqual(Object.keys(FEATURES).sort());
      for (const [name, v] of Object.entries(map)) expect(Number.isFinite(v), name).toBe(true);
    }
    expect(Object.keys(maps[0] as object)).toEqual(Object.keys(maps[1] as object));
    expect(Object.keys(maps[0] as object)).toEqual(FEATURE_NAMES);
  });

  it('reads as a vector in FEATURE_NAMES order, whatever order or gaps the map has', () => {
    const engine = newEngine();
    const p = engine.process(anthropic({ key: 'sk-vector', prompt: wrapper(QUESTIONS[1] as string) }), T0);
    const map = computeFeatures({
      features: p.features,
      principal: engine.principals.get(p.features.principal) as PrincipalRecord,
      clusters: [],
      now: T0,
    });
    const byName = (m: FeatureMap) => FEATURE_NAMES.map((n) => m[n] ?? 0);
    expect(Array.from(featureVector(map, newFeatureVector()))).toEqual(byName(map));
    // A stored sample: zeros dropped (compactFeatures), keys reversed, an unknown key, a null.
    const nonZero = Object.entries(map).filter(([, v]) => v !== 0);
    expect(nonZero.length).toBeGreaterThan(3);
    const stored: FeatureMap = Object.fromEntries([['not.a.feature', 7], ...nonZero.reverse()]);
    stored[nonZero[0]?.[0] as string] = null as unknown as number;
    const vector = featureVector(stored, newFeatureVector().fill(99));
    expect(Array.from(vector)).toEqual(byName({ ...stored, [nonZero[0]?.[0] as string]: 0 }));
    expect(vector.includes(99)).toBe(false);
  });
});

describe('cluster causes', () => {
  it('keeps the eight most frequent rule ids, counting an id named like a prototype member as any other', () => {
    const rec = newCluster('template:x', 'template', T0);
    const observe = (causes: string[]) =>
      observeCluster(
        rec,
        {
          principal: 'k_1',
          principalHash: 1,
          weight: 1,
          fresh: true,
          judged: true,
          suspect: true,
          stopped: false,
          causes,
          cot: 0,
          template: 1,
        },
        T0,
        MIN,
      );
    for (let i = 0; i < 3; i++) observe(['constructor', 'cot.share.high']);
    for (let i = 0; i < 10; i++) observe([`rule.r${i}`]);
    observe(['cot.share.high']);
    expect(rec.causes.constructor).toBe(3);
    expect(rec.causes['cot.share.high']).toBe(4);
    expect(Object.keys(rec.causes)).toHaveLength(8);
  });
});

describe('cluster stats reuse', () => {
  it('observeCluster says false only when the stats at the same generation cannot have changed', () => {
    const windowMs = 60 * MIN;
    let seed = 11;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    let unchanged = 0;
    for (let run = 0; run < 20; run++) {
      const rec = newCluster('shape:x', 'shape', T0);
      let t = T0;
      let before = clusterStats(rec, t, windowMs);
      for (let i = 0; i < 400; i++) {
        t += next() % (run % 2 ? 20 * MIN : MIN); // some runs cross generation windows
        const h = next() % (run < 10 ? 8 : 200); // few principals (sparse, repeats) or many (dense)
        const flags = next();
        const changed = observeCluster(
          rec,
          {
            principal: `k_${h}`,
            principalHash: Math.imul(h + 1, 0x9e3779b1) >>> 0,
            weight: 1,
            fresh: (flags & 1) === 1,
            judged: (flags & 2) === 2,
            suspect: (flags & 4) === 4,
            stopped: (flags & 8) === 8,
            causes: [],
            cot: 0,
            template: h,
          },
          t,
          windowMs,
        );
        const after = clusterStats(rec, t, windowMs);
        if (!changed) {
          unchanged++;
          expect(after).toEqual(clusterStats(rec, t, windowMs));
          expect(after).toEqual(before);
        }
        before = after;
      }
    }
    expect(unchanged).toBeGreaterThan(1000); // the reuse is exercised, not vacuous
  });
});

describe('clusters seen once', () => {
  // Accounts sharing a wrapper around the same questions (frames and templates recur), then each
  // question once without it (seen once).
  const traffic = Array.from({ length: 28 }, (_, i) => ({
    key: `sk-shared-${i % 5}`,
    prompt: i < 20 ? wrapper(QUESTIONS[i % QUESTIONS.length] as string) : (QUESTIONS[i - 20] as string),
    at: T0 + i * 7 * MIN,
  }));
  const send = (engine: MemoryEngine, r: (typeof traffic)[number]) =>
    engine.process(anthropic({ key: r.key, prompt: r.prompt, maxTokens: 8192 }), r.at);

  it('are recorded at their second sighting as they would have been at their first', () => {
    const engine = newEngine();
    // What each cluster's record must say, tallied from the requests themselves.
    const expected = new Map<string, { firstSeen: number; lastSeen: number; requests: number; principals: Set<string> }>();
    for (const r of traffic) {
      const { features } = send(engine, r);
      for (const { key } of features.clusters) {
        const e = expected.get(key) ?? { firstSeen: r.at, lastSeen: r.at, requests: 0, principals: new Set<string>() };
        e.lastSeen = r.at;
        e.requests++;
        e.principals.add(features.principal);
        expected.set(key, e);
      }
    }
    const kept = [...engine.clusterRecords()];
    expect(kept.map((c) => c.key).sort()).toEqual([...expected.keys()].sort());
    for (const c of kept) {
      const e = expected.get(c.key);
      expect({ key: c.key, firstSeen: c.firstSeen, lastSeen: c.lastSeen, requests: c.requests }).toEqual({
        key: c.key,
        firstSeen: e?.firstSeen,
        lastSeen: e?.lastSeen,
        requests: e?.requests,
      });
      expect(clusterStats(c, T0 + 4 * 60 * MIN, engine.rules.clusterPolicy.windowMs).principals).toBe(e?.principals.size);
      expect(c.gen).toBe(Math.floor(c.lastSeen / engine.rules.clusterPolicy.windowMs));
    }
    expect(kept.some((c) => c.kind === 'prefix' && c.requests >= 5)).toBe(true); // second sightings happened
    expect(kept.some((c) => c.kind === 'template' && c.requests === 1)).toBe(true); // and first ones were held
  });

  it('held back when the rules change, are recorded under the rules they came under', () => {
    const doc = structuredClone(DEFAULT_RULE_SET) as RuleSet;
    doc.evaluator.clusters.freshAge = '1d'; // another generation window (12 h by default)
    doc.version = 2;
    const longer = compileRuleSet(doc);
    const engine = newEngine();
    const windowMs = engine.rules.clusterPolicy.windowMs;
    const seenBefore = new Set<string>();
    const seenAfter = new Set<string>();
    for (const [i, r] of traffic.entries()) {
      if (i === 22) engine.rules = longer;
      for (const { key } of send(engine, r).features.clusters) (i < 22 ? seenBefore : seenAfter).add(key);
    }
    const onlyBefore = [...engine.clusterRecords()].filter((c) => seenBefore.has(c.key) && !seenAfter.has(c.key));
    expect(onlyBefore.length).toBeGreaterThan(0);
    for (const c of onlyBefore) expect(c.gen).toBe(Math.floor(c.lastSeen / windowMs));
  });
});

describe('near-duplicate share', () => {
  it('is the same on a record read anew from storage (its parsed SimHash ring is rebuilt)', () => {
    const prompts = [
      'Explain how vaccines train the immune system, in simple words.',
      'Explain how vaccines train the immune system, in very simple words.',
      'Write a haiku about autumn leaves falling on a quiet pond.',
      'Explain how vaccines train the immune system in simple words!',
      'What is the capital of Australia and why was it chosen?',
    ];
    const kept = newPrincipal('k_test', T0);
    let stored = JSON.parse(JSON.stringify(kept)) as PrincipalRecord;
    prompts.forEach((prompt, i) => {
      const f = fingerprint(anthropic({ prompt }), { keys });
      observeRequest(kept, f, T0 + i * MIN);
      observeRequest(stored, f, T0 + i * MIN);
      stored = JSON.parse(JSON.stringify(stored)) as PrincipalRecord; // as a Durable Object reads it back
    });
    expect(kept.nearDup).toBeGreaterThan(0);
    expect(stored.nearDup).toBe(kept.nearDup);
    expect(stored.sims).toEqual(kept.sims);
  });
});
