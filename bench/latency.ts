/**
 * Added latency on the request path, side by side in one run on loopback: the Worker with GUARD_MODE=off
 * (pure proxy) against GUARD_MODE=shadow (all of enforce's work: fingerprint, the state round trip,
 * decision, records; only the acting is skipped), same origin, hundreds of app keys sending real
 * conversation prefixes, alternating rounds. Served through wrangler's programmatic API, inspector off.
 *
 * Each round measures twice: saturated, each Worker in turn (`connections` kept busy: throughput, and
 * latency that includes queueing behind the machine's two cores, shared with autocannon and the origin),
 * then unloaded, both Workers paired request by request (one request at a time, timed to the microsecond:
 * the latency a request sees when nothing queues, which is what "added latency" means). Durable Object calls per guarded request come from the shadow isolate's counters
 * (`GET /admin/stats`), read before and after each round.
 */
import autocannon from 'autocannon';
import { loadCorpus } from '../eval/corpus';
import { startOrigin } from '../test/node/helpers/origin';
import { benchStateRoot, startBenchGuard } from './bench-guard';
import { interleaved } from './interleaved';
import { ADMIN_TOKEN, type CallsByKind, callsBetween, perRequest, stateCalls, totalCalls } from './isolate-counters';
import { quantile } from './stats';
import { cpuMs, workerdPids } from './workerd-cpu';

export interface LatencyRow {
  mode: 'off' | 'shadow';
  round: number;
  /** Saturated. */
  mean: number;
  p50: number;
  p99: number;
  rps: number;
  /** One request at a time (ms, to the microsecond). */
  unloadedMean: number;
  unloadedP50: number;
  unloadedP99: number;
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
  /**
   * Shadow only: the calls per guarded request by kind, in each phase apart: saturated (where a key's
   * requests come in bursts, so a mirrored batch carries several) and one at a time (where each request
   * of a mirrored key goes in a batch of its own, after the answer).
   */
  callsByPhase?: { saturated: CallsByKind; oneAtATime: CallsByKind };
  /** Shadow only: storage rows the Durable Objects wrote, and D1 rows, per guarded request (the cost model's inputs). */
  objectRowsPerRequest?: number;
  d1RowsPerRequest?: number;
}

export interface LatencyResult {
  /** Where the guards' local state was kept (bench/bench-guard.ts). */
  stateRoot: string;
  rows: LatencyRow[];
  pooled: PooledUnloaded;
}

/** Requests timed one at a time per round and mode. */
export const UNLOADED_REQUESTS = 1000;

/** The app keys' requests: conversation prefixes from the corpus, two per key. */
export function appRequests(keys: number) {
  const convs = loadCorpus(0).hh.filter((p) => (p.turns?.length ?? 0) >= 2);
  return Array.from({ length: keys * 2 }, (_, i) => {
    const turns = convs[i % convs.length]?.turns ?? [];
    const prefix = turns.slice(0, 1 + 2 * (i % Math.max(1, Math.floor(turns.length / 2))));
    return {
      method: 'POST' as const,
      path: '/v1/messages',
      headers: { 'x-api-key': `sk-ant-app-${i % keys}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'claude-sonnet-5-5',
        max_tokens: 256,
        messages: prefix.length ? prefix : [{ role: 'user', content: 'hi' }],
      }),
    };
  });
}

export type AppRequests = ReturnType<typeof appRequests>;

export interface Unloaded {
  mean: number;
  p50: number;
  p99: number;
  errors: number;
}

/** One timed request: from send to the last body byte. */
async function timed(url: string, r: AppRequests[number]): Promise<{ ms: number; ok: boolean }> {
  const started = process.hrtime.bigint();
  let ok = false;
  try {
    const res = await fetch(`${url}${r.path}`, { method: r.method, headers: r.headers, body: r.body });
    await res.arrayBuffer();
    ok = res.ok;
  } catch {
    ok = false;
  }
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, ok };
}

function summary(ms: number[], errors: number): Unloaded {
  const sorted = [...ms].sort((a, b) => a - b);
  return { mean: ms.reduce((s, x) => s + x, 0) / ms.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), errors };
}

/**
 * The one-at-a-time requests of all rounds together. A round's p99 is its 10th slowest request of 1,000,
 * and the unguarded proxy's own p99 moved between 12 and 40 ms from round to round in one sitting: pooled, the
 * p99 is the 50th slowest of 5,000, a steadier estimate of what the guard adds to the tail.
 */
export interface PooledUnloaded {
  pairs: number;
  off: Unloaded;
  shadow: Unloaded;
}

/**
 * One request at a time, paired: each request of the list goes to one Worker and then the other (which
 * goes first alternates), so both see the machine in the same state, request by request. Timed apart,
 * a few seconds later, the two drew different luck from this machine's background (the unguarded
 * proxy's own p99 moved between 9 and 32 ms from one round to the next).
 */
async function unloadedPaired(urls: readonly [string, string], reqs: AppRequests, n: number, offset: number) {
  const ms: [number[], number[]] = [[], []];
  const errors = [0, 0];
  for (let i = 0; i < n; i++) {
    const r = reqs[(offset + i) % reqs.length] as AppRequests[number];
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const t = await timed(urls[k] as string, r);
      ms[k]?.push(t.ms);
      if (!t.ok) errors[k] = (errors[k] ?? 0) + 1;
    }
  }
  return { summaries: [summary(ms[0], errors[0] ?? 0), summary(ms[1], errors[1] ?? 0)] as const, ms };
}

/** Keep `connections` busy with these requests for `seconds`. */
export function run(url: string, reqs: AppRequests, connections: number, seconds: number): Promise<autocannon.Result> {
  return cannon({ url, connections, duration: seconds, requests: interleaved(reqs) });
}

/** Send each request of the list `passes` times, `connections` at a time. */
export function warm(url: string, reqs: AppRequests, connections: number, passes: number): Promise<autocannon.Result> {
  return cannon({ url, connections, amount: reqs.length * passes, requests: interleaved(reqs) });
}

function cannon(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/**
 * Warm-up passes over the app requests (each key sends two requests a pass). Counted, not timed: a key
 * is mirrored once it sends HOT_PER_MINUTE (6) requests a minute, so before that each of its requests
 * waits for its object. Six seconds of warm-up (until stop 20) reached that in a fast sitting and not in a
 * slow one, where the first round measured the keys' first requests.
 */
export const WARM_PASSES = 5;

export async function latencyBench(
  options = { keys: 300, connections: 8, seconds: 8, warmPasses: WARM_PASSES, rounds: 5 },
): Promise<LatencyResult> {
  const origin = await startOrigin();
  const reqs = appRequests(options.keys);
  // One after the other, each warmed before the next starts, so each guard's workerd processes are the
  // ones that appeared meanwhile (wrangler runs two per guard: its proxy Worker and the guard itself).
  // Warming: JIT, isolate caches, the keys' first requests (an app's key has a history, and from
  // HOT_PER_MINUTE requests a minute it is mirrored).
  const before = new Set(workerdPids());
  const off = await startBenchGuard({ ORIGIN_URL: origin.url, GUARD_MODE: 'off', STATE_TIMEOUT_MS: '50' });
  await warm(off.url, reqs, options.connections, options.warmPasses);
  const offPids = workerdPids().filter((p) => !before.has(p));
  // BENCH_VARS='{"RECORD_FLUSH_MS":"60000"}' tries the guarded Worker with other settings.
  const extra = process.env.BENCH_VARS ? (JSON.parse(process.env.BENCH_VARS) as Record<string, string>) : {};
  const shadow = await startBenchGuard({ ORIGIN_URL: origin.url, GUARD_MODE: 'shadow', STATE_TIMEOUT_MS: '50', ADMIN_TOKEN, ...extra });
  await warm(shadow.url, reqs, options.connections, options.warmPasses);
  const shadowPids = workerdPids().filter((p) => !before.has(p) && !offPids.includes(p));
  const rows: LatencyRow[] = [];
  const pooled: [number[], number[]] = [[], []];
  const pooledErrors: [number, number] = [0, 0];
  try {
    for (let round = 1; round <= options.rounds; round++) {
      const saturated = async (mode: 'off' | 'shadow') => {
        const url = mode === 'off' ? off.url : shadow.url;
        const pids = mode === 'off' ? offPids : shadowPids;
        const cpu0 = cpuMs(pids);
        const r = await run(url, reqs, options.connections, options.seconds);
        return { r, cpu: cpuMs(pids) - cpu0 };
      };
      const offRun = await saturated('off');
      const before = await stateCalls(shadow.url);
      const shadowRun = await saturated('shadow');
      const between = await stateCalls(shadow.url);
      const paired = await unloadedPaired([off.url, shadow.url], reqs, UNLOADED_REQUESTS, round * UNLOADED_REQUESTS);
      const [offOne, shadowOne] = paired.summaries;
      for (const k of [0, 1] as const) {
        pooled[k].push(...paired.ms[k]);
        pooledErrors[k] += paired.summaries[k].errors;
      }
      const after = await stateCalls(shadow.url);
      const guarded = after.guarded - before.guarded;
      const per = perRequest(before, after);
      const row = (mode: 'off' | 'shadow', { r, cpu }: typeof offRun, one: Unloaded): LatencyRow => ({
        mode,
        round,
        mean: r.latency.mean,
        p50: r.latency.p50,
        p99: r.latency.p99,
        rps: r.requests.average,
        cpuMsPerRequest: cpu / Math.max(1, r.requests.total),
        unloadedMean: one.mean,
        unloadedP50: one.p50,
        unloadedP99: one.p99,
        errors: r.errors + r.timeouts + one.errors,
        non2xx: r.non2xx,
      });
      rows.push(row('off', offRun, offOne), {
        ...row('shadow', shadowRun, shadowOne),
        ...(guarded > 0
          ? {
              awaitedPerRequest: per('awaited'),
              callsPerRequest: totalCalls(callsBetween(before, after)),
              awaitedMeanMs: (after.awaitedMs - before.awaitedMs) / Math.max(1, after.awaited - before.awaited),
              awaitedInsideMs: (after.awaitedInsideMs - before.awaitedInsideMs) / Math.max(1, after.awaited - before.awaited),
              objectRowsPerRequest: per('objectRows'),
              d1RowsPerRequest: per('d1Rows'),
              callsByPhase: { saturated: callsBetween(before, between), oneAtATime: callsBetween(between, after) },
            }
          : {}),
      });
    }
  } finally {
    await Promise.all([off.stop(), shadow.stop()]);
    await origin.close();
  }
  return {
    stateRoot: benchStateRoot(),
    rows,
    pooled: { pairs: pooled[0].length, off: summary(pooled[0], pooledErrors[0]), shadow: summary(pooled[1], pooledErrors[1]) },
  };
}
