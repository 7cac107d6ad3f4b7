import type { CallsByKind } from './isolate-counters';
import type { LatencyResult, LatencyRow } from './latency';
import { median } from './stats';

/** The latency rows as a table (cpu ms: workerd CPU per request in the saturated run) (shared by `npm run bench` and `npm run bench:latency`). */
export function printLatency(rows: LatencyRow[]): void {
  console.log(
    `                saturated (8 connections)                       one at a time            Durable Object calls per request   rows written / req`,
  );
  console.log(
    'mode    round  mean ms  p50 ms  p99 ms   req/s  errors  cpu ms  mean ms  p50 ms  p99 ms   awaited   all  awaited ms  inside ms   objects     D1',
  );
  for (const r of rows) {
    console.log(
      `${r.mode.padEnd(8)}${String(r.round).padEnd(7)}${r.mean.toFixed(2).padStart(7)}${String(r.p50).padStart(8)}${String(r.p99).padStart(8)}${r.rps.toFixed(0).padStart(8)}${String(r.errors + r.non2xx).padStart(8)}${r.cpuMsPerRequest.toFixed(3).padStart(8)}${r.unloadedMean.toFixed(2).padStart(9)}${r.unloadedP50.toFixed(2).padStart(8)}${r.unloadedP99.toFixed(2).padStart(8)}${(r.awaitedPerRequest?.toFixed(2) ?? '-').padStart(10)}${(r.callsPerRequest?.toFixed(2) ?? '-').padStart(6)}${(r.awaitedMeanMs?.toFixed(2) ?? '-').padStart(12)}${(r.awaitedInsideMs?.toFixed(2) ?? '-').padStart(11)}${(r.objectRowsPerRequest?.toFixed(3) ?? '-').padStart(10)}${(r.d1RowsPerRequest?.toFixed(3) ?? '-').padStart(7)}`,
    );
  }
}

/** The shadow rounds' Durable Object calls per request, by kind, in each phase apart. */
export function printCallsByPhase(rows: LatencyRow[]): void {
  console.log('Durable Object calls per guarded request by phase: awaited / mirrored batches / cluster batches / usage / other');
  const fmt = (c: CallsByKind) => [c.awaited, c.mirrorBatches, c.clusters, c.usage, c.other].map((x) => x.toFixed(3)).join(' / ');
  for (const r of rows) {
    if (!r.callsByPhase) continue;
    console.log(`  round ${r.round}   saturated ${fmt(r.callsByPhase.saturated)}   one at a time ${fmt(r.callsByPhase.oneAtATime)}`);
  }
}

/** #7's budgets for what the guard adds: the summary counts the rounds within each. */
const BUDGETS = {
  throughput: { within: (x: number) => x >= 0.8, text: '>= 0.8' },
  mean: { within: (x: number) => x <= 1, text: '<= 1' },
  p50: { within: (x: number) => x <= 1, text: '<= 1' },
  p99: { within: (x: number) => x <= 5, text: '<= 5' },
} as const;

type Measure = 'throughput' | 'cpuMs' | 'mean' | 'p50' | 'p99';

/**
 * What the guard adds, round by round (shadow against the proxy of the same round), the median, and #7's
 * budgets; and one at a time over all rounds' requests pooled.
 */
export function addedByGuard({ rows, pooled }: LatencyResult) {
  const rounds = [...new Set(rows.map((r) => r.round))].flatMap((round) => {
    const off = rows.find((r) => r.round === round && r.mode === 'off');
    const shadow = rows.find((r) => r.round === round && r.mode === 'shadow');
    if (!off || !shadow) return [];
    return [
      {
        round,
        throughput: shadow.rps / off.rps,
        cpuMs: shadow.cpuMsPerRequest - off.cpuMsPerRequest,
        mean: shadow.unloadedMean - off.unloadedMean,
        p50: shadow.unloadedP50 - off.unloadedP50,
        p99: shadow.unloadedP99 - off.unloadedP99,
      },
    ];
  });
  const pick = (k: Measure) => rounds.map((r) => r[k]);
  return {
    rounds,
    median: {
      throughput: median(pick('throughput')),
      cpuMs: median(pick('cpuMs')),
      mean: median(pick('mean')),
      p50: median(pick('p50')),
      p99: median(pick('p99')),
    },
    pooled: {
      pairs: pooled.pairs,
      mean: pooled.shadow.mean - pooled.off.mean,
      p50: pooled.shadow.p50 - pooled.off.p50,
      p99: pooled.shadow.p99 - pooled.off.p99,
    },
    roundsWithin: Object.fromEntries(
      Object.entries(BUDGETS).map(([k, b]) => [k, pick(k as keyof typeof BUDGETS).filter(b.within).length]),
    ) as Record<keyof typeof BUDGETS, number>,
  };
}

export function printAdded(result: LatencyResult): void {
  const a = addedByGuard(result);
  const n = a.rounds.length;
  console.log(`added by the guard, round by round (one at a time: paired requests); median; rounds within #7's budget`);
  const lines: Array<[Measure, string, number]> = [
    ['throughput', 'throughput ratio', 2],
    ['cpuMs', 'workerd CPU ms', 3],
    ['mean', 'mean ms', 2],
    ['p50', 'p50 ms', 2],
    ['p99', 'p99 ms', 2],
  ];
  for (const [k, label, digits] of lines) {
    const budget = k === 'cpuMs' ? '' : `   ${BUDGETS[k].text} in ${a.roundsWithin[k]}/${n}`;
    const values = a.rounds.map((r) => r[k].toFixed(digits)).join(' / ');
    console.log(`  ${label.padEnd(18)}${values}   median ${a.median[k].toFixed(digits)}${budget}`);
  }
  const p = a.pooled;
  const within = (k: 'mean' | 'p50' | 'p99') => (BUDGETS[k].within(p[k]) ? 'within' : 'over');
  console.log(
    `  one at a time, all ${p.pairs} pairs pooled: mean ${p.mean.toFixed(2)} ms (${within('mean')}), p50 ${p.p50.toFixed(2)} ms (${within('p50')}), p99 ${p.p99.toFixed(2)} ms (${within('p99')})`,
  );
}
