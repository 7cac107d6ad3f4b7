/** /admin/rules and /admin/evaluator: versions, validation, rollback, and changes live on the next request. */
import { describe, expect, it } from 'vitest';
import { setTestClock } from '../../src/clock';
import type { RuleSet } from '../../src/engine/rules/schema';
import { callGuard } from './helpers';
import { harvestRequest } from './traffic';

const TOKENS = { ADMIN_TOKENS: 'carol:carol-token' };
const admin = (path: string, method = 'GET', body?: unknown) =>
  callGuard(
    new Request(`http://localhost/admin${path}`, {
      method,
      headers: { authorization: 'Bearer carol-token', 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    }),
    TOKENS,
  );

let clock = Date.UTC(2027, 2, 1);
setTestClock(() => clock);

describe('rule lifecycle', () => {
  it('serves the current document, versions every change, and rolls back in one call', async () => {
    const initial = (await (await admin('/rules')).json()) as RuleSet;
    expect(initial.version).toBe(0);
    expect(initial.rules.length).toBeGreaterThan(20);

    const rule = {
      id: 'test.custom',
      description: 'A custom rule',
      mode: 'shadow',
      tags: ['test'],
      when: { feature: 'request.n', gte: 8 },
      points: 30,
    };
    const created = await admin('/rules', 'POST', { rule, note: 'trying a rule' });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { version: number }).version).toBe(1);

    // A rule read with GET can be sent back unchanged but for the fields edited.
    const read = ((await (await admin('/rules')).json()) as RuleSet).rules.find((r) => r.id === 'cot.share.high');
    const replaced = await admin('/rules/cot.share.high', 'PUT', { ...read, mode: 'shadow' });
    expect(replaced.status).toBe(200);
    const evaluator = { ...initial.evaluator, thresholds: { ...initial.evaluator.thresholds, block: 90 } };
    expect((await admin('/evaluator', 'PUT', { evaluator })).status).toBe(200);
    expect((await admin('/rules/test.custom', 'DELETE')).status).toBe(200);

    const now = (await (await admin('/rules')).json()) as RuleSet;
    expect(now.version).toBe(4);
    expect(now.rules.find((r) => r.id === 'cot.share.high')?.mode).toBe('shadow');
    expect(now.evaluator.thresholds.block).toBe(90);
    expect(now.rules.some((r) => r.id === 'test.custom')).toBe(false);

    const history = (await (await admin('/rules/history')).json()) as {
      versions: Array<{ version: number; createdBy: string; note: string | null }>;
    };
    expect(history.versions.map((v) => v.version)).toEqual([4, 3, 2, 1]);
    expect(history.versions.at(-1)).toMatchObject({ createdBy: 'carol', note: 'trying a rule' });

    const rolled = await admin('/rules/rollback', 'POST', { version: 0 });
    expect((await rolled.json()) as { version: number; restoredFrom: number }).toEqual({ version: 5, restoredFrom: 0 });
    const restored = (await (await admin('/rules')).json()) as RuleSet;
    expect(restored.rules.find((r) => r.id === 'cot.share.high')?.mode).toBe('enforce');
    expect(restored.evaluator.thresholds.block).toBe(initial.evaluator.thresholds.block);
  });

  it('rejects bad input with 400 naming the fields, and unknown rules with 404', async () => {
    const bad = await admin('/rules', 'POST', {
      rule: { id: 'Bad Id', description: '', mode: 'on', when: { feature: 'nope', gte: 1 }, points: 'lots' },
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { message: string; issues: Array<{ path: string[] }> } };
    const paths = body.error.issues.map((i) => i.path.join('.'));
    for (const p of ['rule.id', 'rule.mode', 'rule.points']) expect(paths).toContain(p);
    expect((await admin('/rules', 'POST', 'not json')).status).toBe(400);
    expect(
      (await admin('/evaluator', 'PUT', { evaluator: { thresholds: { log: 90, degrade: 1, throttle: 2, challenge: 3, block: 4 } } }))
        .status,
    ).toBe(400);
    expect((await admin('/rules/no.such', 'DELETE')).status).toBe(404);
    expect((await admin('/rules/rollback', 'POST', { version: 999 })).status).toBe(400);
  });

  it('takes effect on the next request: every rule in shadow lets a harvester through, rollback restores enforcement', async () => {
    const doc = (await (await admin('/rules')).json()) as RuleSet;
    const enforced = doc.version;
    for (const r of doc.rules) await admin(`/rules/${r.id}`, 'PUT', { ...r, mode: 'shadow' });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      clock += 30_000;
      statuses.push((await callGuard(harvestRequest('sk-admin-shadowed', i), TOKENS)).status);
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    await admin('/rules/rollback', 'POST', { version: enforced });
    clock += 30_000;
    const after = await callGuard(harvestRequest('sk-admin-shadowed', 11), TOKENS);
    expect(after.headers.get('x-guard-action')).toMatch(/block|challenge/);
  });
});
