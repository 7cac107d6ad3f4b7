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
