/**
 * A small load run for CI (the 60 s run is `npm run bench:load`): sustained concurrent traffic with zero
 * errors, and one key hammering at the same total rate does not slow requests from other keys.
 */
import { expect, it } from 'vitest';
import { loadBench } from '../../bench/load';

it('serves sustained load without errors, and a hammering key does not slow other keys', async () => {
  const { phases } = await loadBench({ seconds: 4, connections: 8 });
  const [spread, hot] = phases;
  if (!spread || !hot) throw new Error('both phases must run');
  expect(spread.errors).toBe(0);
  expect(hot.errors).toBe(0);
  expect(spread.loadRequests).toBeGreaterThan(200);
  expect(hot.loadRequests).toBeGreaterThan(200);
  expect(hot.probeCount).toBeGreaterThan(20);
  // Same total load both times; only its spread over keys differs. Noise on 2 cores is large, so the
  // bound is loose: a hot key that blocked others would multiply their latency, not add a few ms.
  expect(hot.probeP50).toBeLessThan(spread.probeP50 * 2 + 15);
}, 90_000);
