import type { LatencyRow } from './latency';

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

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** What the guard adds, round by round (shadow against the proxy of the same round), the median, and #7's budgets. */
export function addedByGuard(rows: LatencyRow[]) {
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
  const pick = (k: 'throughput' | 'cpuMs' | 'mean' | 'p50' | 'p99') => rounds.map((r) => r[k]);
  const budgets = {
    throughput: (x: number) => x >= 0.8,
    mean: (x: number) => x <= 1,
    p50: (x: number) => x <= 1,
    p99: (x: number) => x <= 5,
  };
  return {
    rounds,
    median: {
      throughput: median(pick('throughput')),
      cpuMs: median(pick('cpuMs')),
      mean: median(pick('mean')),
      p50: median(pick('p50')),
      p99: median(pick('p99')),
    },
    roundsWithin: Object.fromEntries(Object.entries(budgets).map(([k, ok]) => [k, pick(k as keyof typeof budgets).filter(ok).length])),
  };
}

export function printAdded(rows: LatencyRow[]): void {
  const a = addedByGuard(rows);
  const f = (xs: number[], d = 2) => xs.map((x) => x.toFixed(d)).join(' / ');
  const n = a.rounds.length;
  console.log(`added by the guard, round by round (one at a time: paired requests); median; rounds within #7's budget`);
  console.log(
    `  throughput ratio  ${f(a.rounds.map((r) => r.throughput))}   median ${a.median.throughput.toFixed(2)}   >= 0.8 in ${a.roundsWithin.throughput}/${n}`,
  );
  console.log(
    `  workerd CPU ms    ${f(
      a.rounds.map((r) => r.cpuMs),
      3,
    )}   median ${a.median.cpuMs.toFixed(3)}`,
  );
  console.log(
    `  mean ms           ${f(a.rounds.map((r) => r.mean))}   median ${a.median.mean.toFixed(2)}   <= 1 in ${a.roundsWithin.mean}/${n}`,
  );
  console.log(
    `  p50 ms            ${f(a.rounds.map((r) => r.p50))}   median ${a.median.p50.toFixed(2)}   <= 1 in ${a.roundsWithin.p50}/${n}`,
  );
  console.log(
    `  p99 ms            ${f(a.rounds.map((r) => r.p99))}   median ${a.median.p99.toFixed(2)}   <= 5 in ${a.roundsWithin.p99}/${n}`,
  );
}
