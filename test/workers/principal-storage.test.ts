/**
 * A principal's object stores its record and its pending decisions as one value (one row a write),
 * takes over what an object of the previous layout stored under two keys, lets the write after a D1
 * flush stand for a write that was waiting for its window, and counts each decision in D1 once, across
 * failed writes and restarts.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { engineKeys, fingerprint } from '../../src/engine/fingerprint';
import { newPrincipal, type PrincipalRecord } from '../../src/engine/state/principal';
import { principalStub } from '../../src/guard/principal-calls';
import { stateCalls } from '../../src/isolate-stats';
import { PrincipalState } from '../../src/state/principal-state';
import type { ObserveInput } from '../../src/state/principal-step';
import { type Pending, STATE_KEY, type StoredPrincipal } from '../../src/state/principal-storage';
import { flushPrincipal } from '../../src/state/recorder';
import { anthropic } from './engine/requests';
import { storedRecord } from './helpers';

const T0 = Date.UTC(2027, 4, 2, 10);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function input(key: string, i: number): ObserveInput {
  return {
    features: fingerprint(anthropic({ key, prompt: `Question ${i}: what is a good name for a cat?` }), { keys: engineKeys('test-pepper') }),
    sightings: [],
    list: null,
    rulesVersion: 0,
    now: T0 + i * 1_000,
    // The origin accepted the key: from then on its object keeps state.
    usage: [{ usage: { inputTokens: 10, outputTokens: 30 }, now: T0 }],
  };
}

/** Decisions of this principal counted in D1. */
async function dbCount(principal: string): Promise<number> {
  const row = await env.DB.prepare('SELECT sum(count) AS n FROM decisions_hourly WHERE principal = ?')
    .bind(principal)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** The object's stored keys and its one stored value. */
function storedOf(stub: DurableObjectStub<PrincipalState>): Promise<{ keys: string[]; stored: StoredPrincipal | undefined }> {
  return runInDurableObject(stub, async (_instance, state) => ({
    keys: [...(await state.storage.list()).keys()],
    stored: await state.storage.get<StoredPrincipal>(STATE_KEY),
  }));
}

describe('principal storage', () => {
  it('writes the record and the pending decisions as one row', async () => {
    const first = input('sk-one-row', 0);
    const stub = principalStub(env, first.features.principal);
    const rows = stateCalls.objectRows;
    await stub.observe(first);
    // PERSIST_MS is 0 in the tests: written after the request.
    expect(stateCalls.objectRows - rows).toBe(1);
    const { keys, stored } = await storedOf(stub);
    expect(keys).toEqual([STATE_KEY]);
    expect(stored?.record?.total).toBe(1);
    expect(Object.values(stored?.pending?.buckets ?? {})[0]?.count).toBe(1);
  });

  it('reads what the previous layout stored under two keys, and replaces them with one at its next write', async () => {
    const first = input('sk-old-layout', 1);
    const principal = first.features.principal;
    const stub = principalStub(env, principal);
    const old: PrincipalRecord = { ...newPrincipal(principal, T0), total: 41 };
    const pending: Pending = { buckets: {}, summary: null, failures: 2, stoppedAt: null };
    await runInDurableObject(stub, async (_instance, state) => {
      await state.storage.put({ record: old, pending });
    });
    // The object has not read its storage yet (as after a deploy): it finds the old keys.
    const restarted = principalStub(env, principal);
    await runInDurableObject(restarted, async (instance) => {
      expect((await instance.snapshot())?.total).toBe(41);
    });
    const rows = stateCalls.objectRows;
    await restarted.observe(first);
    // One row written, two deleted (once).
    expect(stateCalls.objectRows - rows).toBe(3);
    const { keys, stored } = await storedOf(restarted);
    expect(keys).toEqual([STATE_KEY]);
    expect(stored?.record?.total).toBe(42);
    expect(stored?.pending?.failures).toBe(2);
    await restarted.observe(input('sk-old-layout', 2));
    expect(stateCalls.objectRows - rows).toBe(4);
  });

  it('keeps the record beside the pending decisions when the alarm writes them after a flush', async () => {
    const first = input('sk-flush-one-row', 3);
    const stub = principalStub(env, first.features.principal);
    await stub.observe(first);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const { stored } = await storedOf(stub);
    expect(stored?.record?.total).toBe(1);
    // Flushed to D1: nothing pending any more.
    expect(stored?.pending?.buckets).toEqual({});
    expect(stored?.pending?.summary).toBeNull();
    const row = await env.DB.prepare('SELECT requests FROM principals WHERE id = ?')
      .bind(first.features.principal)
      .first<{ requests: number }>();
    expect(row?.requests).toBe(1);
  });

  it('stores held requests in the write after a D1 flush, and does not write them again when their window ends', async () => {
    const first = input('sk-flush-held', 4);
    const stub = principalStub(env, first.features.principal);
    await runInDurableObject(stub, async (instance, state) => {
      // A window of 225-375 ms: each request is held for its own usage (none comes here).
      (instance as unknown as { env: Cloudflare.Env }).env = { ...env, PERSIST_MS: '300' };
      const rows = stateCalls.objectRows;
      await instance.observe(first);
      await instance.observe(input('sk-flush-held', 5));
      expect(stateCalls.objectRows - rows).toBe(0);
      await instance.alarm();
      expect(stateCalls.objectRows - rows).toBe(1);
      expect((await storedRecord(state))?.total).toBe(2);
      await sleep(500);
      expect(stateCalls.objectRows - rows).toBe(1);
    });
  });

  it('counts flushed decisions once when the write after the D1 flush fails', async () => {
    const first = input('sk-flush-then-fail', 8);
    const stub = principalStub(env, first.features.principal);
    await runInDurableObject(stub, async (instance, state) => {
      await instance.observe(first);
      // The D1 batch lands; the object's write right after it fails once.
      const storage = (instance as unknown as { storage: { write: (...args: unknown[]) => Promise<void> } }).storage;
      const write = storage.write.bind(storage);
      let failed = false;
      storage.write = async (...args) => {
        if (failed) return write(...args);
        failed = true;
        throw new Error('storage write failed');
      };
      await instance.alarm();
      expect(failed).toBe(true);
      // The decision went to D1 once and is not pending again: a second flush adds nothing.
      expect((await state.storage.get<StoredPrincipal>(STATE_KEY))?.pending?.buckets).toEqual({});
      await instance.alarm();
      expect(await dbCount(first.features.principal)).toBe(1);
      expect(await state.storage.getAlarm()).not.toBeNull();
    });
  });

  it('counts flushed decisions once when the object restarts before it could store that they were flushed', async () => {
    const first = input('sk-flush-fail-restart', 9);
    const principal = first.features.principal;
    const stub = principalStub(env, principal);
    await runInDurableObject(stub, async (instance, state) => {
      await instance.observe(first);
      // The D1 batch lands; every write of the object after it fails, until it restarts.
      const storage = (instance as unknown as { storage: { write: () => Promise<void> } }).storage;
      storage.write = async () => {
        throw new Error('storage write failed');
      };
      // (the alarm fails as a whole: the runtime would retry it)
      await expect(instance.alarm()).rejects.toThrow('storage write failed');
      expect(await dbCount(principal)).toBe(1);
      // Storage still holds the flushed decision as pending.
      expect(Object.values((await state.storage.get<StoredPrincipal>(STATE_KEY))?.pending?.buckets ?? {})).toHaveLength(1);

      // A new instance over the same storage: the object as it restarts.
      const restarted = new PrincipalState(state, env);
      await restarted.alarm();
      expect(await dbCount(principal)).toBe(1);
      // A decision after the restart is counted, and what was carried is gone from storage.
      await restarted.observe(input('sk-flush-fail-restart', 10));
      await restarted.alarm();
      expect(await dbCount(principal)).toBe(2);
      const pending = (await state.storage.get<StoredPrincipal>(STATE_KEY))?.pending;
      expect(pending?.buckets).toEqual({});
      expect(pending?.carried).toEqual([]);
    });
  });

  it('flushes the decisions a restarted object finds stored when their flush did not land', async () => {
    const first = input('sk-restart-unflushed', 11);
    const principal = first.features.principal;
    const stub = principalStub(env, principal);
    await runInDurableObject(stub, async (instance, state) => {
      await instance.observe(first);
      await instance.observe(input('sk-restart-unflushed', 12));
      // Restarted before its alarm: nothing of it is in D1 yet.
      const restarted = new PrincipalState(state, env);
      await restarted.observe(input('sk-restart-unflushed', 13));
      await restarted.alarm();
      expect(await dbCount(principal)).toBe(3);
      const row = await env.DB.prepare('SELECT requests, flush_seq AS seq FROM principals WHERE id = ?')
        .bind(principal)
        .first<{ requests: number; seq: number }>();
      expect(row?.requests).toBe(3);
      // The stored decisions were carried as flush 0, the restarted object's flush is number 1.
      expect(row?.seq).toBe(1);
    });
  });

  it("sets the flush's number on the principal's row even when a flush carries no summary", async () => {
    const first = input('sk-flush-no-summary', 14);
    const principal = first.features.principal;
    const stub = principalStub(env, principal);
    await stub.observe(first);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const bucket = {
      hour: T0,
      action: 'allow' as const,
      wouldAction: 'allow' as const,
      rulesVersion: 0,
      count: 2,
      maxScore: 0,
      reasons: {},
      lastTs: T0,
    };
    await flushPrincipal(env.DB, principal, { summary: null, buckets: [bucket], seq: 7 });
    // Carried as flush 7, the same bucket is not added again.
    await flushPrincipal(env.DB, principal, { summary: null, buckets: [], carried: [{ seq: 7, buckets: { b: bucket } }], seq: 8 });
    const row = await env.DB.prepare('SELECT flush_seq AS seq FROM principals WHERE id = ?').bind(principal).first<{ seq: number }>();
    expect(row?.seq).toBe(8);
    expect(await dbCount(principal)).toBe(3);
  });

  it('sets the alarm again for the decisions of requests that come in during a D1 flush', async () => {
    const first = input('sk-flush-during', 6);
    const stub = principalStub(env, first.features.principal);
    // D1 answers the flush 100 ms late, so a request comes in while it is on its way.
    const slowDb = new Proxy(env.DB, {
      get(target, key) {
        if (key === 'batch') {
          return async (...args: Parameters<D1Database['batch']>) => {
            await sleep(100);
            return target.batch(...args);
          };
        }
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await runInDurableObject(stub, async (instance, state) => {
      (instance as unknown as { env: Cloudflare.Env }).env = { ...env, DB: slowDb, PERSIST_MS: '300' };
      await instance.observe(first);
      const flushing = instance.alarm();
      await sleep(30);
      await instance.observe(input('sk-flush-during', 7));
      await flushing;
      // The flush's write stored the late request's decision and dropped the write it was waiting for.
      const stored = await state.storage.get<StoredPrincipal>(STATE_KEY);
      expect(stored?.record?.total).toBe(2);
      expect(Object.values(stored?.pending?.buckets ?? {}).map((b) => b.count)).toEqual([1]);
      expect(await state.storage.getAlarm()).not.toBeNull();
    });
  });
});
