/** `npm run bench:load [-- --seconds 60] [--connections 8]`: the sustained load run (see bench/load.ts). */
import { numberOption, option } from './args';
import { loadBench } from './load';

const seconds = numberOption('--seconds', 60);
const connections = numberOption('--connections', 8);
console.log(`load: ${seconds} s per phase, ${connections} connections, plus a probe from 40 other keys`);
const mode = option('--mode');
const result = await loadBench({ seconds, connections, vars: mode ? { GUARD_MODE: mode } : {} });
console.log('phase    load req   load req/s  errors  stopped  probe n  probe p50 ms  probe p99 ms');
for (const p of result.phases) {
  console.log(
    `${p.phase.padEnd(9)}${String(p.loadRequests).padStart(8)}${p.loadRps.toFixed(0).padStart(13)}${String(p.errors).padStart(8)}${String(p.stopped).padStart(9)}${String(p.probeCount).padStart(9)}${p.probeP50.toFixed(1).padStart(14)}${p.probeP99.toFixed(1).padStart(14)}`,
  );
}
const rss = result.rssMiB.filter((n) => n > 0);
if (rss.length > 0) {
  const third = Math.max(1, Math.floor(rss.length / 3));
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    `workerd RSS MiB: first third ${avg(rss.slice(0, third)).toFixed(0)}, last third ${avg(rss.slice(-third)).toFixed(0)}, max ${Math.max(...rss).toFixed(0)} (${rss.length} samples)`,
  );
}
const [spread, hot] = result.phases;
if (spread && hot) console.log(`probe p50, hot / spread: ${(hot.probeP50 / spread.probeP50).toFixed(2)}`);
process.exitCode = result.phases.some((p) => p.errors > 0) ? 1 : 0;
