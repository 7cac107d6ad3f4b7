/**
 * Added latency on the request path, side by side in one run on loopback: the Worker with GUARD_MODE=off
 * (pure proxy) against GUARD_MODE=shadow (all of enforce's work: fingerprint, the state round trip,
 * decision, records; only the acting is skipped), same origin, hundreds of app keys sending real
 * conversation prefixes, alternating rounds. Served through wrangler's programmatic API, inspector off.
 */
import autocannon from 'autocannon';
import { loadCorpus } from '../eval/corpus';
import { startGuard } from '../test/node/helpers/guard';
import { startOrigin } from '../test/node/helpers/origin';

export interface LatencyRow {
  mode: 'off' | 'shadow';
  round: number;
  mean: number;
  p50: number;
  p99: number;
  rps: number;
  errors: number;
  non2xx: number;
}

function requests(keys: number) {
  const convs = loadCorpus(0).hh.filter((p) => (p.turns?.length ?? 0) >= 2);
  return Array.from({ length: keys * 2 }, (_, i) => {
    const turns = convs[i % convs.length]?.turns ?? [];
    const prefix = turns.slice(0, 1 + 2 * (i % Math.max(1, Math.floor(turns.length / 2))));
    return {
      method: 'POST' as const,
      path: '/v1/messages',
      headers: { 'x-api-key': `sk-ant-app-${i % keys}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 256,
        messages: prefix.length ? prefix : [{ role: 'user', content: 'hi' }],
      }),
    };
  });
}

function run(url: string, reqs: ReturnType<typeof requests>, connections: number, seconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, requests: reqs }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

export async function latencyBench(options = { keys: 300, connections: 8, seconds: 8, rounds: 2 }): Promise<LatencyRow[]> {
  const origin = await startOrigin();
  const [off, shadow] = await Promise.all([
    startGuard({ ORIGIN_URL: origin.url, GUARD_MODE: 'off', STATE_TIMEOUT_MS: '50' }),
    startGuard({ ORIGIN_URL: origin.url, GUARD_MODE: 'shadow', STATE_TIMEOUT_MS: '50' }),
  ]);
  const reqs = requests(options.keys);
  const rows: LatencyRow[] = [];
  try {
    // Warm both (JIT, isolate caches, first Durable Objects), then alternate.
    await run(off.url, reqs, options.connections, 2);
    await run(shadow.url, reqs, options.connections, 2);
    for (let round = 1; round <= options.rounds; round++) {
      for (const [mode, guard] of [
        ['off', off],
        ['shadow', shadow],
      ] as const) {
        const r = await run(guard.url, reqs, options.connections, options.seconds);
        rows.push({
          mode,
          round,
          mean: r.latency.mean,
          p50: r.latency.p50,
          p99: r.latency.p99,
          rps: r.requests.average,
          errors: r.errors + r.timeouts,
          non2xx: r.non2xx,
        });
      }
    }
  } finally {
    await Promise.all([off.stop(), shadow.stop()]);
    await origin.close();
  }
  return rows;
}
