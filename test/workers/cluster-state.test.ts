/**
 * Cluster shards keep records in memory between alarms and write each changed record once per alarm
 * (docs/storage.md): nothing is written per batch, 300 changed records are written by one alarm, and
 * the rows are counted.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { ClusterObservation, ClusterRecord } from '../../src/engine/state/cluster';
import { stateCalls } from '../../src/isolate-stats';
import type { ClusterItem } from '../../src/state/cluster-state';

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
    // 300 cluster records, and the board (the clusters reached three principals, so they are published).
    expect(stateCalls.objectRows - rowsBefore).toBe(301);
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
});
