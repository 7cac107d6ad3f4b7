/** `npm run bench:latency`: the side-by-side latency rounds alone. */
import { latencyBench } from './latency';

const rows = await latencyBench();
console.log('mode    round  mean ms  p50 ms  p99 ms   req/s  errors  non-2xx');
for (const r of rows) {
  console.log(
    `${r.mode.padEnd(8)}${String(r.round).padEnd(7)}${r.mean.toFixed(2).padStart(7)}${String(r.p50).padStart(8)}${String(r.p99).padStart(8)}${r.rps.toFixed(0).padStart(8)}${String(r.errors).padStart(8)}${String(r.non2xx).padStart(9)}`,
  );
}
