/**
 * Cluster shards keep records in memory between alarms and write each changed record once per alarm
 * (docs/storage.md): nothing is written per batch, 300 changed records are written by one alarm, and
 * the rows are counted; records only one principal shares wait for the singles flush.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { ClusterObservation, ClusterRecord } from '../../src/engine/state/cluster';
import { stateCalls } from '../../src/isolate-stats';
import { type ClusterItem, type ClusterState, SINGLES_FLUSH_MS } from '../../src/state/cluster-state';

const T0 = Date.UTC(2027, 3, 1, 12);

function observation(principal: number): ClusterObservation {
  return {
    principal: `k_${principal}`,
    principalHash: principal,
    weight: 1,
    fresh: false,
    judged: true,
    suspect: false,
    stopped: false,
    causes: [],
    cot: 0,
    template: 7,
  };
}

describe('cluster shard storage', () => {
  it('writes changed records once per alarm, not per batch, and counts the rows', async () => {
    const stub = env.CLUSTER_STATE.get(env.CLUSTER_STATE.idFromName('shard-test'));
    // 300 clusters, each seen by three principals over three batches.
    const batch = (p: number): ClusterItem[] =>
      Array.from({ length: 300 }, (_, i) => ({ ref: { kind: 'template', key: `template:t${i}` }, obs: observation(p), now: T0 + p }));
    for (const p of [1, 2, 3]) await stub.observe(batch(p), 0);
    await runInDurableObject(stub, async (instance, state) => {
      expect(await state.storage.get('c:template:t0')).toBeUndefined();
      // The admin view reads the record from memory meanwhile.
      expect((await instance.record('template:t0'))?.requests).toBe(3);
      expect(await state.storage.getAlarm()).not.toBeNull();
    });
    const rowsBefore = stateCalls.objectRows;
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    // 300 cluster records, and the board's first write, meta and one part (the clusters reached three
    // principals, so they are published).
    expect(stateCalls.objectRows - rowsBefore).toBe(302);
    await runInDurableObject(stub, async (_instance, state) => {
      const stored = await state.storage.list<ClusterRecord>({ prefix: 'c:' });
      expect(stored.size).toBe(300);
      expect(stored.get('c:template:t299')?.requests).toBe(3);
    });
    // Nothing changed since: the next alarm (if any) writes nothing new, and a record seen again is
    // written again at the alarm after.
    await stub.observe(batch(4).slice(0, 1), 0);
    await runDurableObjectAlarm(stub);
    await runInDurableObject(stub, async (_instance, state) => {
      expect((await state.storage.get<ClusterRecord>('c:template:t0'))?.requests).toBe(4);
      expect((await state.storage.get<ClusterRecord>('c:template:t1'))?.requests).toBe(3);
    });
  });

  it('writes a record one principal shares only at the singles flush, a shared one at the next alarm', async () => {
    const stub = env.CLUSTER_STATE.get(env.CLUSTER_STATE.idFromName('shard-singles'));
    const item = (key: string, p: number): ClusterItem => ({ ref: { kind: 'prefix', key }, obs: observation(p), now: T0 + p });
    // A shard's singles flush starts at a random phase; this one's was just now.
    await runInDurableObject(stub, (instance: ClusterState) => {
      (instance as unknown as { singlesWrittenAt: number }).singlesWrittenAt = Date.now();
    });
    // `single` is resent by one principal; `shared` is seen by two.
    await stub.observe([item('prefix:single', 1), item('prefix:single', 1), item('prefix:shared', 1), item('prefix:shared', 2)], 0);
    const stored = (key: string) => runInDurableObject(stub, (_i, state) => state.storage.get<ClusterRecord>(`c:${key}`));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stored('prefix:shared'))?.requests).toBe(2);
    expect(await stored('prefix:single')).toBeUndefined();
    // Still read from memory meanwhile, and an alarm stays set for the singles flush.
    expect((await stub.record('prefix:single'))?.requests).toBe(2);
    const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm as number).toBeGreaterThan(Date.now() + SINGLES_FLUSH_MS / 2);
    // A new observation brings the alarm forward to the board refresh: verdicts are not held back.
    await stub.observe([item('prefix:shared', 3)], 0);
    expect((await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())) as number).toBeLessThan(Date.now() + 10_000);
    await runDurableObjectAlarm(stub);
    expect(await stored('prefix:single')).toBeUndefined();
    // Once SINGLES_FLUSH_MS has passed since the last singles flush, the alarm writes them too.
    await runInDurableObject(stub, (instance: ClusterState) => {
      (instance as unknown as { singlesWrittenAt: number }).singlesWrittenAt -= SINGLES_FLUSH_MS;
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stored('prefix:single'))?.requests).toBe(2);
    // Nothing is left unwritten, so no alarm is set.
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBeNull();
  });
});
