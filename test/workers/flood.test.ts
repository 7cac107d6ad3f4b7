/**
 * Abuse of the guard itself: a flood of random or rejected API keys must not create state. Keys the
 * origin never accepted store nothing per principal (Durable Object storage or D1 rows); their stops are
 * counted in a bounded aggregate.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { setTestClock } from '../../src/clock';
import { engineKeys } from '../../src/engine/fingerprint';
import { keyHashOf } from '../../src/engine/fingerprint/identity';
import { principalStub } from '../../src/guard/principal-calls';
import { STATE_KEY } from '../../src/state/principal-storage';
import { callGuard } from './helpers';
import { chatRequest, harvestRequest } from './traffic';

const idOf = (key: string) => keyHashOf(engineKeys('test-pepper'), key);
const stored = async (key: string) =>
  runInDurableObject(principalStub(env, idOf(key)), async (_i, state) => [...(await state.storage.list()).keys()]);

describe('a flood of rejected keys', () => {
  it('stores nothing for keys the origin rejects, however many, and keeps serving real keys', async () => {
    let clock = Date.UTC(2027, 6, 1, 12);
    setTestClock(() => clock);
    const keys = Array.from({ length: 40 }, (_, i) => `sk-invalid-${i}-${Math.random().toString(36).slice(2)}`);
    let rejected = 0;
    for (const [i, key] of keys.entries()) {
      clock += 50;
      // Half ask like a harvester (some are stopped), half like a chat user (forwarded, then refused).
      const res = await callGuard(i % 2 ? harvestRequest(key, i) : chatRequest(key, 1));
      expect(res.status).toBeLessThan(500);
      if (res.status === 401) rejected++;
    }
    expect(rejected).toBeGreaterThan(15);
    for (const key of keys.slice(0, 10)) expect(await stored(key)).toEqual([]);
    const ids = keys.map(idOf);
    const marks = ids.map(() => '?').join(',');
    const rows = await env.DB.prepare(
      `SELECT (SELECT count(*) FROM principals WHERE id IN (${marks})) + (SELECT count(*) FROM decisions_hourly WHERE principal IN (${marks})) AS n`,
    )
      .bind(...ids, ...ids)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
    const aggregate = await env.DB.prepare("SELECT count(*) AS n FROM decisions_hourly WHERE principal = 'unverified'").first<{
      n: number;
    }>();
    expect(aggregate?.n).toBeLessThanOrEqual(6);

    // A real key, accepted by the origin once, keeps state from then on.
    const ok = await callGuard(chatRequest('sk-flood-real-customer', 1));
    expect(ok.status).toBe(200);
    expect(await stored('sk-flood-real-customer')).toEqual([STATE_KEY]);
    setTestClock(null);
  }, 60_000);
});
