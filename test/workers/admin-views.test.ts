/** Operator views: decisions, principals, clusters, feed, stats, audit, backtest, OpenAPI and the dashboard page. */
import { env, listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { setTestClock } from '../../src/clock';
import { engineKeys } from '../../src/engine/fingerprint';
import { keyHashOf } from '../../src/engine/fingerprint/identity';
import type { RuleSet } from '../../src/engine/rules/schema';
import { principalStub } from '../../src/guard/principal-calls';
import { signPayload } from '../../src/state/alert';
import { callGuard } from './helpers';
import { chatRequest, harvestRequest } from './traffic';

const TOKENS = { ADMIN_TOKENS: 'dana:dana-token' };
const T0 = Date.UTC(2027, 4, 3, 10);
let clock = T0;
setTestClock(() => clock);

function admin(path: string, method = 'GET', body?: unknown, token = 'dana-token') {
  return callGuard(
    new Request(`http://localhost/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    TOKENS,
  );
}
const json = async <T>(res: Response | Promise<Response>) => (await (await res).json()) as T;
const idOf = (key: string) => keyHashOf(engineKeys('test-pepper'), key);

/** Flush every principal's pending decisions to D1, as their alarms would. */
async function flushAll(): Promise<void> {
  for (const id of await listDurableObjectIds(env.PRINCIPAL_STATE)) await runDurableObjectAlarm(env.PRINCIPAL_STATE.get(id));
  for (const id of await listDurableObjectIds(env.CLUSTER_STATE)) await runDurableObjectAlarm(env.CLUSTER_STATE.get(id));
}

interface DecisionRow {
  ts: number;
  principal: string;
  action: string;
  would_action: string;
  score: number;
  reasons: string[];
  rules_version: number;
  count: number;
}

beforeAll(async () => {
  // One harvester that gets stopped, and a chat user who never is.
  for (let i = 0; i < 10; i++) {
    clock += 30_000;
    await callGuard(harvestRequest('sk-views-harvest', i));
    await callGuard(chatRequest('sk-views-chat', 1 + (i % 4)));
  }
  await flushAll();
});

describe('GET /admin/decisions', () => {
  it('lists recorded decisions with reasons, filtered by principal, action and time', async () => {
    const all = await json<{ decisions: DecisionRow[] }>(admin('/decisions'));
    const harvester = idOf('sk-views-harvest');
    const stopped = all.decisions.filter((d) => d.principal === harvester && ['block', 'challenge', 'throttle'].includes(d.action));
    expect(stopped.length).toBeGreaterThan(0);
    expect(stopped[0]?.reasons.length).toBeGreaterThan(0);
    expect(stopped[0]).toMatchObject({ rules_version: 0, would_action: expect.any(String) });

    const chat = await json<{ decisions: DecisionRow[] }>(admin(`/decisions?principal=${idOf('sk-views-chat')}`));
    expect(chat.decisions.every((d) => d.principal === idOf('sk-views-chat') && d.action === 'allow')).toBe(true);
    expect(chat.decisions.reduce((n, d) => n + d.count, 0)).toBe(10);

    const blocks = await json<{ decisions: DecisionRow[] }>(admin('/decisions?action=block&limit=5'));
    expect(blocks.decisions.every((d) => d.action === 'block')).toBe(true);
    const future = await json<{ decisions: DecisionRow[] }>(admin(`/decisions?since=${new Date(clock + 3_600_000).toISOString()}`));
    expect(future.decisions).toEqual([]);
  });

  it('names bad query parameters', async () => {
    const res = await admin('/decisions?limit=0&action=nuke&since=yesterday-ish');
    expect(res.status).toBe(400);
    const body = await json<{ error: { issues: Array<{ path: string[] }> } }>(res);
    expect(body.error.issues.map((i) => i.path[0]).sort()).toEqual(['action', 'limit', 'since']);
    expect((await admin('/decisions?bogus=1')).status).toBe(400);
  });
});

describe('GET /admin/principals/:id', () => {
  it('shows counters, the current action and the score by rule', async () => {
    const p = await json<{
      summary: Record<string, unknown> | null;
      counters: { total: number; last_hour: number };
      action: { action: string; reasons: string[] };
      standing_points: Record<string, number>;
      score: { by_rule: Array<{ rule: string; points: number; enforced: boolean }>; would_points: number };
    }>(admin(`/principals/${idOf('sk-views-harvest')}`));
    expect(p.counters.total).toBe(10);
    // The D1 summary (flushed before these tests), without the flush bookkeeping.
    expect(p.summary?.requests).toBeGreaterThan(0);
    expect(p.summary).not.toHaveProperty('flushSeq');
    expect(['block', 'challenge', 'throttle']).toContain(p.action.action);
    expect(Object.keys(p.standing_points).length).toBeGreaterThan(0);
    expect(p.score.by_rule.some((r) => r.rule.startsWith('cot.') && r.points > 0 && r.enforced)).toBe(true);
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    expect((await admin('/principals/not-an-id')).status).toBe(400);
    expect((await admin('/principals/k_00000000deadbeef')).status).toBe(404);
  });
});

describe('GET /admin/clusters', () => {
  it('lists the largest clusters with their volume', async () => {
    for (let i = 0; i < 4; i++) await callGuard(harvestRequest(`sk-views-campaign-${i}`, i));
    await flushAll();
    const body = await json<{ clusters: Array<{ key: string; principals: number; requests: number | null }> }>(admin('/clusters?limit=5'));
    expect(body.clusters.length).toBeGreaterThan(0);
    expect(body.clusters.length).toBeLessThanOrEqual(5);
    expect(body.clusters[0]?.principals).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < body.clusters.length; i++)
      expect((body.clusters[i - 1]?.principals ?? 0) >= (body.clusters[i]?.principals ?? 0)).toBe(true);
    expect((await admin('/clusters?verdict=maybe')).status).toBe(400);
  });
});

describe('GET /admin/feed', () => {
  it('pages through stopped principals with a cursor', async () => {
    const first = await json<{ principals: Array<{ id: string; reasons: string[] }>; cursor: string }>(admin('/feed?limit=1'));
    expect(first.principals).toHaveLength(1);
    expect(first.principals[0]?.reasons.length).toBeGreaterThan(0);
    const rest = await json<{ principals: Array<{ id: string }>; cursor: string }>(
      admin(`/feed?since=${encodeURIComponent(first.cursor)}`),
    );
    const ids = [first.principals[0]?.id, ...rest.principals.map((p) => p.id)];
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain(idOf('sk-views-harvest'));
    expect(ids).not.toContain(idOf('sk-views-chat'));
    const after = await json<{ principals: unknown[]; cursor: string }>(admin(`/feed?since=${encodeURIComponent(rest.cursor)}`));
    expect(after.principals).toEqual([]);
    expect((await admin('/feed?since=not%20a%20cursor')).status).toBe(400);
  });
});

describe('POST /admin/backtest', () => {
  it('shows what a candidate would change: all-shadow releases the harvester, the current set changes nothing', async () => {
    const doc = await json<RuleSet>(admin('/rules'));
    const same = await json<{ changed: number; requests: number; newlyStopped: string[]; released: string[] }>(
      admin('/backtest', 'POST', { version: 0, from: T0, to: clock + 1 }),
    );
    expect(same.requests).toBeGreaterThanOrEqual(20);
    expect(same.newlyStopped).toEqual([]);
    expect(same.released).toEqual([]);

    const shadow = { ...doc, rules: doc.rules.map((r) => ({ ...r, mode: 'shadow' })) };
    type Counts = Record<'block' | 'challenge' | 'throttle', number>;
    const result = await json<{ released: string[]; candidate: Counts; candidateWould: Counts }>(
      admin('/backtest', 'POST', { rules: shadow, from: new Date(T0).toISOString(), to: clock + 1 }),
    );
    expect(result.released).toContain(idOf('sk-views-harvest'));
    expect(result.candidate.block + result.candidate.challenge + result.candidate.throttle).toBe(0);
    expect(result.candidateWould.block + result.candidateWould.challenge).toBeGreaterThan(0);

    const strict = { ...doc, evaluator: { ...doc.evaluator, thresholds: { log: 0, degrade: 0, throttle: 0, challenge: 0, block: 0 } } };
    const everyone = await json<{ newlyStopped: string[] }>(admin('/backtest', 'POST', { rules: strict, from: T0, to: clock + 1 }));
    expect(everyone.newlyStopped).toContain(idOf('sk-views-chat'));
  });

  it('rejects a bad candidate, naming the field', async () => {
    const res = await admin('/backtest', 'POST', { rules: { version: 1, rules: [{ id: 'x' }], evaluator: {} } });
    expect(res.status).toBe(400);
    const body = await json<{ error: { issues: Array<{ path: string[] }> } }>(res);
    expect(body.error.issues.some((i) => i.path[0] === 'rules')).toBe(true);
    expect((await admin('/backtest', 'POST', { version: 0, rules: {} })).status).toBe(400);
    expect((await admin('/backtest', 'POST', { version: 99 })).status).toBe(400);
    expect((await admin('/backtest', 'POST', { version: 0, from: 10, to: 5 })).status).toBe(400);
  });
});

describe('stats, audit, OpenAPI, dashboard', () => {
  it('counts requests per hour by action', async () => {
    const stats = await json<{ rows: Array<{ action: string; requests: number }> }>(admin('/stats?hours=48'));
    expect(stats.rows.filter((r) => r.action === 'allow').reduce((n, r) => n + r.requests, 0)).toBeGreaterThanOrEqual(10);
    expect((await admin('/stats?hours=100000')).status).toBe(400);
  });

  it('records every change with the operator, and serves it', async () => {
    await admin('/lists/allow', 'POST', { principal: idOf('sk-views-chat'), reason: 'research partner' });
    const audit = await json<{ entries: Array<{ operator: string; action: string; target: string }> }>(admin('/audit?limit=5'));
    expect(audit.entries[0]).toMatchObject({ operator: 'dana', action: 'lists.allow.add', target: idOf('sk-views-chat') });
  });

  it('documents every admin path in OpenAPI, generated from the schemas', async () => {
    const doc = await json<{ openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> }>(admin('/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/admin/rules',
      '/admin/decisions',
      '/admin/principals/{id}',
      '/admin/clusters',
      '/admin/backtest',
      '/admin/feed',
      '/admin/audit',
    ])
      expect(doc.paths).toHaveProperty([p]);
    expect(JSON.stringify(doc.paths['/admin/rules']?.post?.requestBody)).toContain('enforce');
  });

  it('serves the dashboard page with security headers, and hides everything without a token configured', async () => {
    const page = await callGuard(new Request('http://localhost/admin'), TOKENS);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'.*script-src 'sha256-/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    expect(await page.text()).not.toContain('dana-token');
    expect((await callGuard(new Request('http://localhost/admin'))).status).toBe(404);
    expect((await callGuard(new Request('http://localhost/admin/decisions'))).status).toBe(404);
    for (const path of ['/decisions', '/principals/k_00000000deadbeef', '/clusters', '/feed', '/stats', '/audit', '/openapi.json'])
      expect((await admin(path, 'GET', undefined, 'wrong')).status).toBe(401);
    expect((await admin('/backtest', 'POST', { version: 0 }, 'wrong')).status).toBe(401);
  });
});

describe('stop alerts', () => {
  it('posts a signed alert once when a principal is first stopped', async () => {
    for (let i = 0; i < 10; i++) {
      clock += 30_000;
      await callGuard(harvestRequest('sk-views-alert', i));
    }
    // Plain values only: a Request made inside the object cannot be read from the test's context.
    const sent: Array<{ url: string; signature: string; body: string }> = [];
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      sent.push({ url: String(input), signature: new Headers(init?.headers).get('x-guard-signature') ?? '', body: String(init?.body) });
      return new Response('ok');
    });
    try {
      const stub = principalStub(env, idOf('sk-views-alert'));
      for (let round = 0; round < 2; round++)
        await runInDurableObject(stub, async (instance) => {
          const target = instance as unknown as { env: Cloudflare.Env; alarm(): Promise<void> };
          const real = target.env;
          target.env = { ...real, ALERT_WEBHOOK_URL: 'https://bans.example/hook', ALERT_WEBHOOK_SECRET: 'hook-secret' };
          await target.alarm();
          target.env = real;
        });
    } finally {
      spy.mockRestore();
    }
    expect(sent).toHaveLength(1);
    const { url, signature, body } = sent[0] as { url: string; signature: string; body: string };
    expect(url).toBe('https://bans.example/hook');
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature) ?? [];
    expect(v1).toBe(await signPayload('hook-secret', Number(t), body));
    expect(JSON.parse(body)).toMatchObject({ event: 'principal.stopped', principal: { id: idOf('sk-views-alert') } });
    expect(body).not.toContain('sk-views-alert');
  });
});
