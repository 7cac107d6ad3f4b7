/**
 * `npm run bench`: engine CPU, replay throughput and state size, then the side-by-side latency rounds
 * through local workerd (skip them with `--engine-only`); prints tables and writes bench/results.json.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { engineBench, memoryBench, type Row, replayBench, replayCliBench } from './engine';
import { type LatencyResult, latencyBench } from './latency';
import { addedByGuard, printAdded, printCallsByPhase, printLatency } from './latency-table';

const { lines, ...replay } = replayBench();
const rows: Row[] = [...engineBench(), replay, replayCliBench(lines), ...memoryBench()];
const fmt = (x: number) => (Number.isNaN(x) ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, node ${process.version}, ${new Date().toISOString()}\n`);
console.log(`${'measure'.padEnd(44)}${'median'.padStart(12)}${'p99'.padStart(10)}  unit`);
for (const r of rows)
  console.log(`${r.name.padEnd(44)}${fmt(r.median).padStart(12)}${fmt(r.p99).padStart(10)}  ${r.unit}${r.extra ? `   (${r.extra})` : ''}`);

let latency: LatencyResult | null = null;
if (!process.argv.includes('--engine-only')) {
  latency = await latencyBench();
  console.log(`\nadded latency (loopback, local workerd, state in ${latency.stateRoot}; GUARD_MODE=off vs shadow, alternating rounds)`);
  printLatency(latency.rows);
  printCallsByPhase(latency.rows);
  printAdded(latency);
}
writeFileSync(
  resolve(import.meta.dirname, 'results.json'),
  `${JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, node: process.version, rows, latency, added: latency && addedByGuard(latency) }, null, 2)}\n`,
);
