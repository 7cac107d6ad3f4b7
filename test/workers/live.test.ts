/** The engine live: Durable Objects and D1 for real, on the request path. */
import { env, listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { setTestClock } from '../../src/clock';
import { engineKeys } from '../../src/engine/fingerprint';
import { keyHashOf } from '../../src/engine/fingerprint/identity';
import type { PrincipalRecord } from '../../src/engine/state/principal';
import { principalStub } from '../../src/guard/principal-calls';
import { callGuard, countingPrincipalState, storedRecord } from './helpers';
import { chatRequest, harvestRequest } from './traffic';

const PEPPER = 'test-pepper';
const T0 = Date.UTC(2027, 0, 4, 9);

async function principalRecord(rawKey: string): Promise<PrincipalRecord | null> {
  const id = keyHashOf(engineKeys(PEPPER), rawKey);
  const stub = principalStub(env, id);
  return runInDurableObject(stub, async (_instance, state) => (await storedRecord(state)) ?? null);
}

let clock = T0;
afterEach(() => setTestClock(null));
const tick = (ms: number) => {
  clock += ms;
};
setTestClock(() => clock);

describe('live decisions', () => {
  it('stops a chain-of-thought harvester by its distillation signals, and lets a conversation through', async () => {
    setTestClock(() => clock);
    const actions: string[] = [];
    for (let i = 0; i < 12; i++) {
      tick(30_000);
      const res = await callGuard(harvestRequest('sk-live-harvest', i));
      actions.push(res.headers.get('x-guard-action') ?? (res.ok ? 'forwarded' : String(res.status)));
      if (res.status === 403) {
        const body = (await res.json()) as { type: string; error: { type: string; message: string } };
        expect(body).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
        expect(body.error.message).toMatch(/distillation/);
        expect(res.headers.get('x-guard-request-id')).toBeTruthy();
      }
    }
    const first = actions.findIndex((a) => a === 'block' || a === 'challenge');
    expect(first).toBeGreaterThan(-1);
    expect(first).toBeLessThan(8);
    expect(actions.slice(first).every((a) => a === 'block' || a === 'challenge')).toBe(true);

    for (let turn = 1; turn <= 15; turn++) {
      tick(20_000);
      const res = await callGuard(chatRequest('sk-live-chat', turn));
      expect(res.status, `turn ${turn}`).toBe(200);
    }
    const record = await principalRecord('sk-live-harvest');
    expect(record?.total).toBe(12);
    expect(record?.standing?.action).toMatch(/block|challenge/);
    expect(JSON.stringify(record)).not.toContain('sk-live-harvest');
  });

  it('counts the usage of answered requests from the response, after the client has it', async () => {
    setTestClock(() => clock);
    tick(1000);
    const res = await callGuard(chatRequest('sk-live-usage', 1));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { usage: { output_tokens: number } };
    const record = await principalRecord('sk-live-usage');
    expect(record?.outputTokens).toBe(body.usage.output_tokens);
  });

  it('in shadow mode forwards everything and still records would-be stops', async () => {
    setTestClock(() => clock);
    for (let i = 0; i < 10; i++) {
      tick(30_000);
      const res = await callGuard(harvestRequest('sk-live-shadow', i), { GUARD_MODE: 'shadow' });
      expect(res.status).toBe(200);
    }
    const record = await principalRecord('sk-live-shadow');
    expect(record?.standing?.action).toMatch(/block|challenge/);
  });
});

describe('campaigns across accounts, live', () => {
  it('stops a fresh account of a known campaign at its first request, once the verdict reaches the board', async () => {
    let t = T0 + 3 * 86_400_000;
    setTestClock(() => t);
    for (let a = 0; a < 8; a++) {
      for (let i = 0; i < 8; i++) {
        t += 30_000;
        await callGuard(harvestRequest(`sk-campaign-${a}`, i + a * 8));
      }
    }
    // Cluster shards recompute verdicts by alarm and publish them to the board.
    for (const id of await listDurableObjectIds(env.CLUSTER_STATE)) await runDurableObjectAlarm(env.CLUSTER_STATE.get(id));
    // After the refresh interval, a request lets this isolate pull the board (in waitUntil)...
    t += 10_000;
    await callGuard(chatRequest('sk-bystander', 1));
    // ...and the campaign's next fresh account is stopped on its very first request.
    t += 1_000;
    const res = await callGuard(harvestRequest('sk-campaign-fresh', 999));
    expect(res.headers.get('x-guard-action')).toBe('block');
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain('cluster.campaign.fresh');
    // Its key never reached the origin, so nothing is stored for it; the stop is counted in aggregate.
    expect(await principalRecord('sk-campaign-fresh')).toBeNull();
    const unverified = await env.DB.prepare(
      "SELECT sum(count) AS n FROM decisions_hourly WHERE principal = 'unverified' AND action = 'block'",
    ).first<{
      n: number;
    }>();
    expect(unverified?.n).toBeGreaterThanOrEqual(1);
  });
});

describe('faults', () => {
  const hanging = { idFromName: () => ({}), get: () => ({ observe: () => new Promise(() => {}), usage: async () => {} }) };
  const throwing = {
    idFromName: () => ({}),
    get: () => ({
      observe: async () => {
        throw new Error('overloaded');
      },
      usage: async () => {},
    }),
  };

  it('fails open within the timeout when the principal object hangs or throws', async () => {
    for (const ns of [hanging, throwing]) {
      const started = Date.now();
      const res = await callGuard(chatRequest('sk-fault', 1), {
        PRINCIPAL_STATE: ns as unknown as typeof env.PRINCIPAL_STATE,
        STATE_TIMEOUT_MS: '40',
      });
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
    }
    // Each fault is counted in D1 (from waitUntil), by kind.
    const faults = await env.DB.prepare('SELECT DISTINCT kind FROM faults_hourly ORDER BY kind').all<{ kind: string }>();
    expect(faults.results.map((f) => f.kind)).toEqual(['state_error', 'state_timeout']);
  });

  it('fails closed, in the API error shape, when FAIL_MODE=closed', async () => {
    const res = await callGuard(chatRequest('sk-fault', 1), {
      PRINCIPAL_STATE: hanging as unknown as typeof env.PRINCIPAL_STATE,
      STATE_TIMEOUT_MS: '30',
      FAIL_MODE: 'closed',
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('x-guard-action')).toBe('block');
    expect(((await res.json()) as { type: string }).type).toBe('error');
  });
});

describe('durable records in D1', () => {
  it('flushes aggregated decisions and the principal summary by alarm, retrying after a D1 failure', async () => {
    setTestClock(() => clock);
    // A key the origin has accepted keeps state (a campaign verdict from the test above may stop every
    // harvest request of a new key before it reaches the origin).
    await callGuard(chatRequest('sk-live-d1', 1));
    for (let i = 0; i < 8; i++) {
      tick(30_000);
      await callGuard(harvestRequest('sk-live-d1', i));
    }
    const id = keyHashOf(engineKeys(PEPPER), 'sk-live-d1');
    const stub = principalStub(env, id);
    // D1 down: the alarm fails, keeps everything and reschedules.
    const failing = { prepare: () => ({ bind: () => ({}) }), batch: async () => Promise.reject(new Error('D1 unavailable')) };
    await runInDurableObject(stub, async (instance) => {
      const target = instance as unknown as { env: Cloudflare.Env; alarm(): Promise<void> };
      const real = target.env;
      target.env = { ...real, DB: failing as unknown as D1Database };
      await target.alarm();
      target.env = real;
    });
    const before = await env.DB.prepare('SELECT count(*) AS n FROM principals WHERE id = ?').bind(id).first<{ n: number }>();
    expect(before?.n).toBe(0);
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).not.toBeNull();
    // D1 back: the retry writes it all.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const row = await env.DB.prepare('SELECT requests, action FROM principals WHERE id = ?')
      .bind(id)
      .first<{ requests: number; action: string }>();
    expect(row?.requests).toBe(9);
    expect(row?.action).toMatch(/block|challenge/);
    const counts = await env.DB.prepare('SELECT sum(count) AS n FROM decisions_hourly WHERE principal = ?').bind(id).first<{ n: number }>();
    expect(counts?.n).toBe(9);
  });
});

describe('a busy principal', () => {
  it('is decided on its mirror in the isolate and observed in batches, every request still counted', async () => {
    let t = T0 + 5 * 86_400_000;
    setTestClock(() => t);
    const { binding, calls: counts } = countingPrincipalState();
    const overrides = { PRINCIPAL_STATE: binding, HOT_PER_MINUTE: '3' };
    const sends = [];
    for (let i = 0; i < 12; i++) {
      t += 50;
      // Concurrent, as a busy app's traffic is: the cache serves while a batch window is open.
      sends.push(callGuard(chatRequest('sk-hot-app', 2), overrides));
      if (i < 4) await sends[i];
    }
    const responses = await Promise.all(sends);
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(counts.batches).toBeGreaterThan(0);
    expect(counts.observe + counts.batches).toBeLessThan(12);
    expect(counts.observe + counts.batched).toBe(12);
    expect((await principalRecord('sk-hot-app'))?.total).toBe(12);
  });
});
