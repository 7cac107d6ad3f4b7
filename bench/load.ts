/**
 * Sustained load through the guard (enforce mode, real local Durable Objects and D1): autocannon keeps
 * `connections` busy while a probe sends requests one at a time from 40 other keys and times them.
 * Two phases of equal load: "spread" (the load spread over 300 keys) and "hot" (the same load from ONE
 * key). If one hot key slowed others, the probe's latency in the hot phase would exceed the spread one.
 * Errors are transport failures and 5xx; stops (403/429) are the guard working. workerd's resident
 * memory is sampled through both phases.
 */
import { execFileSync } from 'node:child_process';
import autocannon from 'autocannon';
import { startGuard } from '../test/node/helpers/guard';
import { startOrigin } from '../test/node/helpers/origin';
import { hideClientDisconnects } from './client-disconnects';
import { interleaved } from './interleaved';

export interface PhaseResult {
  phase: 'spread' | 'hot';
  seconds: number;
  loadRequests: number;
  loadRps: number;
  /** Transport errors, timeouts and 5xx from the load generator and the probe. */
  errors: number;
  /** Answers the guard refused (403/429): expected for a hammering key. */
  stopped: number;
  probeCount: number;
  probeP50: number;
  probeP99: number;
}

export interface LoadResult {
  phases: PhaseResult[];
  /** workerd resident memory (MiB), sampled every second across both phases. */
  rssMiB: number[];
}

const body = (i: number) =>
  JSON.stringify({
    model: 'claude-sonnet-5-5',
    max_tokens: 256,
    messages: [{ role: 'user', content: `What can I cook with lentils? (${i})` }],
  });
const headers = (key: string) => ({ 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' });

function workerdRssMiB(): number {
  try {
    const out = execFileSync('ps', ['-C', 'workerd', '-o', 'rss='], { encoding: 'utf8' });
    return (
      out
        .split('\n')
        .map(Number)
        .filter((n) => n > 0)
        .reduce((a, b) => a + b, 0) / 1024
    );
  } catch {
    return 0;
  }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

async function phase(url: string, kind: PhaseResult['phase'], seconds: number, connections: number, rss: number[]): Promise<PhaseResult> {
  const keys = kind === 'hot' ? ['sk-ant-hammer'] : Array.from({ length: 300 }, (_, i) => `sk-ant-spread-${i}`);
  const reqs = Array.from({ length: 600 }, (_, i) => ({
    method: 'POST' as const,
    path: '/v1/messages',
    headers: headers(keys[i % keys.length] as string),
    body: body(i),
  }));
  let probing = true;
  const probeTimes: number[] = [];
  let probeErrors = 0;
  const probe = (async () => {
    for (let i = 0; probing; i++) {
      const started = performance.now();
      try {
        const res = await fetch(`${url}/v1/messages`, {
          method: 'POST',
          headers: headers(`sk-ant-probe-${kind}-${i % 40}`),
          body: body(i),
        });
        await res.arrayBuffer();
        if (res.status >= 500) probeErrors++;
      } catch {
        probeErrors++;
      }
      probeTimes.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const sampler = setInterval(() => rss.push(workerdRssMiB()), 1000);
  const r = await new Promise<autocannon.Result>((resolve, reject) =>
    autocannon({ url, connections, duration: seconds, requests: interleaved(reqs) }, (err, res) => (err ? reject(err) : resolve(res))),
  );
  clearInterval(sampler);
  probing = false;
  await probe;
  const sorted = probeTimes.slice(5).sort((a, b) => a - b);
  const byStatus = r.statusCodeStats as unknown as Record<string, { count: number }>;
  const count = (test: (code: number) => boolean) =>
    Object.entries(byStatus ?? {}).reduce((n, [code, s]) => n + (test(Number(code)) ? s.count : 0), 0);
  return {
    phase: kind,
    seconds,
    loadRequests: r.requests.total,
    loadRps: r.requests.average,
    errors: r.errors + r.timeouts + count((c) => c >= 500) + probeErrors,
    stopped: count((c) => c === 403 || c === 429),
    probeCount: sorted.length,
    probeP50: pct(sorted, 0.5),
    probeP99: pct(sorted, 0.99),
  };
}

export async function loadBench(options: { seconds: number; connections: number; vars?: Record<string, string> }): Promise<LoadResult> {
  const origin = await startOrigin({ record: false });
  hideClientDisconnects();
  const guard = await startGuard({ ORIGIN_URL: origin.url, ...options.vars });
  const rss: number[] = [];
  try {
    // Warm the isolate and the first objects, then the two phases back to back.
    await fetch(`${guard.url}/v1/messages`, { method: 'POST', headers: headers('sk-ant-warm'), body: body(0) }).then((r) =>
      r.arrayBuffer(),
    );
    const spread = await phase(guard.url, 'spread', options.seconds, options.connections, rss);
    const hot = await phase(guard.url, 'hot', options.seconds, options.connections, rss);
    return { phases: [spread, hot], rssMiB: rss };
  } finally {
    await guard.stop();
    await origin.close();
  }
}
