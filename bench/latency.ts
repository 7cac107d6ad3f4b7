/**
 * Added latency on the request path, side by side in one run on loopback: the Worker with GUARD_MODE=off
 * (pure proxy) against GUARD_MODE=shadow (all of enforce's work: fingerprint, the state round trip,
 * decision, records; only the acting is skipped), same origin, hundreds of app keys sending real
 * conversation prefixes, alternating rounds. Served through wrangler's programmatic API, inspector off.
 *
 * Each round measures twice: saturated (`connections` kept busy: throughput, and latency that includes
 * queueing behind the machine's two cores, shared with autocannon and the origin) and paced (a fixed
 * PACED_RPS, far below either's capacity: the latency one request sees, which is what "added latency"
 * means). Durable Object calls per guarded request come from the shadow isolate's counters
 * (`GET /admin/stats`), read before and after each round.
 */
import autocannon from 'autocannon';
import { loadCorpus } from '../eval/corpus';
import { startGuard } from '../test/node/helpers/guard';
import { startOrigin } from '../test/node/helpers/origin';
import { cpuMs, workerdPids } from './workerd-cpu';

export interface LatencyRow {
  mode: 'off' | 'shadow';
  round: number;
  /** Saturated. */
  mean: number;
  p50: number;
  p99: number;
  rps: number;
  /** Paced at PACED_RPS. */
  pacedMean: number;
  pacedP50: number;
  pacedP99: number;
  errors: number;
  non2xx: number;
  /** workerd CPU (user + system) per request over the saturated run: the runtime's cost, queueing aside. */
  cpuMsPerRequest: number;
  /** Shadow only: Durable Object calls per guarded request, awaited and in all. */
  awaitedPerRequest?: number;
  callsPerRequest?: number;
  /** Shadow only: mean wall time of the awaited call as the isolate saw it, and the object's own part of it. */
  awaitedMeanMs?: number;
  awaitedInsideMs?: number;
}

export const PACED_RPS = 100;
const ADMIN_TOKEN = 'bench-admin-token';

interface StateCalls {
  guarded: number;
  awaited: number;
  awaitedMs: number;
  awaitedInsideMs: number;
  observeBackground: number;
  hotBatches: number;
  usage: number;
  clusters: number;
  board: number;
}

async function stateCalls(url: string): Promise<StateCalls> {
  const r = await fetch(`${url}/admin/stats?hours=1`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return ((await r.json()) as { isolate: StateCalls }).isolate;
}

const totalCalls = (c: StateCalls) => c.awaited + c.observeBackground + c.hotBatches + c.usage + c.clusters + c.board;

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

function run(
  url: string,
  reqs: ReturnType<typeof requests>,
  connections: number,
  seconds: number,
  overallRate?: number,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, requests: reqs, ...(overallRate ? { overallRate } : {}) }, (err, result) =>
      err ? reject(err) : resolve(result),
    );
  });
}

export async function latencyBench(options = { keys: 300, connections: 8, seconds: 8, pacedSeconds: 5, rounds: 2 }): Promise<LatencyRow[]> {
  const origin = await startOrigin();
  // One after the other, so each guard's workerd process is known by the one that appeared.
  const before = new Set(workerdPids());
  const off = await startGuard({ ORIGIN_URL: origin.url, GUARD_MODE: 'off', STATE_TIMEOUT_MS: '50' });
  const offPids = workerdPids().filter((p) => !before.has(p));
  const shadow = await startGuard({ ORIGIN_URL: origin.url, GUARD_MODE: 'shadow', STATE_TIMEOUT_MS: '50', ADMIN_TOKEN });
  const shadowPids = workerdPids().filter((p) => !before.has(p) && !offPids.includes(p));
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
        const before = mode === 'shadow' ? await stateCalls(guard.url) : null;
        const pids = mode === 'off' ? offPids : shadowPids;
        const cpu0 = cpuMs(pids);
        const r = await run(guard.url, reqs, options.connections, options.seconds);
        const cpu = cpuMs(pids) - cpu0;
        const paced = await run(guard.url, reqs, 4, options.pacedSeconds, PACED_RPS);
        const after = mode === 'shadow' ? await stateCalls(guard.url) : null;
        const guarded = before && after ? after.guarded - before.guarded : 0;
        rows.push({
          mode,
          round,
          mean: r.latency.mean,
          p50: r.latency.p50,
          p99: r.latency.p99,
          rps: r.requests.average,
          cpuMsPerRequest: cpu / Math.max(1, r.requests.total),
          pacedMean: paced.latency.mean,
          pacedP50: paced.latency.p50,
          pacedP99: paced.latency.p99,
          errors: r.errors + r.timeouts + paced.errors + paced.timeouts,
          non2xx: r.non2xx + paced.non2xx,
          ...(before && after && guarded > 0
            ? {
                awaitedPerRequest: (after.awaited - before.awaited) / guarded,
                callsPerRequest: (totalCalls(after) - totalCalls(before)) / guarded,
                awaitedMeanMs: (after.awaitedMs - before.awaitedMs) / Math.max(1, after.awaited - before.awaited),
                awaitedInsideMs: (after.awaitedInsideMs - before.awaitedInsideMs) / Math.max(1, after.awaited - before.awaited),
              }
            : {}),
        });
      }
    }
  } finally {
    await Promise.all([off.stop(), shadow.stop()]);
    await origin.close();
  }
  return rows;
}
