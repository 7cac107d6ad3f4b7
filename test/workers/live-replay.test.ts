/**
 * Live = replay: the same traffic through the Worker (real Durable Objects and D1, pinned clock) and
 * through the replay engine gives the same actions. Its own file, so its storage and isolate start empty
 * as the replay does.
 */
import { afterEach, expect, it } from 'vitest';
import { setTestClock } from '../../src/clock';
import { engineKeys } from '../../src/engine/fingerprint';
import { MemoryEngine } from '../../src/engine/memory-state';
import { parseRecord } from '../../src/engine/record';
import { defaultRules } from '../../src/engine/rules/defaults';
import { callGuard } from './helpers';
import { chatRequest, harvestRequest } from './traffic';

const PEPPER = 'test-pepper';
const T0 = Date.UTC(2027, 0, 4, 9);

afterEach(() => setTestClock(null));

it('gives the same actions for the same traffic through the Worker and through the replay engine', async () => {
  let t = T0 + 86_400_000;
  setTestClock(() => t);
  const records: string[] = [];
  const live: string[] = [];
  for (let i = 0; i < 24; i++) {
    t += 45_000;
    const req = i % 3 === 2 ? chatRequest('sk-agree-chat', 1 + Math.floor(i / 3)) : harvestRequest('sk-agree-harvest', i);
    const body = await req.clone().text();
    const headers: Record<string, string> = {};
    for (const [k, v] of req.headers) headers[k] = v;
    records.push(JSON.stringify({ id: `a${i}`, ts: t, method: 'POST', url: req.url, headers, ip: headers['cf-connecting-ip'], body }));
    const res = await callGuard(req);
    live.push(res.headers.get('x-guard-action') ?? 'allow');
  }
  const engine = new MemoryEngine({ rules: defaultRules(), keys: engineKeys(PEPPER) });
  const replayed = records.map((line) => {
    const rec = parseRecord(line);
    const { decision } = engine.process(rec.raw, rec.ts);
    return ['throttle', 'challenge', 'block'].includes(decision.action) ? decision.action : 'allow';
  });
  expect(live.map((a) => (a === 'degrade' || a === 'log' ? 'allow' : a))).toEqual(replayed.map((a) => a));
  expect(new Set(live).size).toBeGreaterThan(1);
}, 30_000);
