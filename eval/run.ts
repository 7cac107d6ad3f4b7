/**
 * `npm run eval [-- --seed tune|eval|N] [--rules FILE] [--out traffic.jsonl]`: simulate benign customers
 * and adaptive distillation campaigns through the engine and score it. The default reports both the
 * tuning seed and the held-out evaluation seed; only the latter's numbers are claims.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEV_PEPPER } from '../src/engine/dev-pepper';
import { engineKeys } from '../src/engine/fingerprint';
import { MemoryEngine } from '../src/engine/memory-state';
import { compileRuleSet } from '../src/engine/rules/compile';
import { defaultRules } from '../src/engine/rules/defaults';
import { loadCorpus } from './corpus';
import { goalsMet, score, summaryTable } from './metrics';
import { buildPopulation, type SimParams } from './populations';
import { htmlReport } from './report';
import { Rng } from './rng';
import { simulate } from './simulate';
import { WRAPPERS } from './wrappers';

const params = JSON.parse(readFileSync(resolve(import.meta.dirname, 'params.json'), 'utf8')) as SimParams & {
  tuneSeed: number;
  evalSeed: number;
};
const argv = process.argv.slice(2);
const arg = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const seedArg = arg('--seed');
const seeds: Array<{ label: string; seed: number; heldOut: boolean; wrappers?: readonly string[] }> =
  seedArg === undefined
    ? [
        { label: 'tuning', seed: params.tuneSeed, heldOut: false },
        { label: 'held-out', seed: params.evalSeed, heldOut: true },
      ]
    : seedArg === 'tune'
      ? [{ label: 'tuning', seed: params.tuneSeed, heldOut: false }]
      : seedArg === 'eval'
        ? [{ label: 'held-out', seed: params.evalSeed, heldOut: true }]
        : seedArg === 'diag'
          ? [{ label: 'diagnostic', seed: params.evalSeed, heldOut: true, wrappers: WRAPPERS.diagnostic }]
          : [{ label: `seed ${seedArg}`, seed: Number(seedArg), heldOut: Number(seedArg) % 2 === 0 }];
const rulesPath = arg('--rules');
const outPath = arg('--out');
const outDir = resolve(import.meta.dirname, 'out');
mkdirSync(outDir, { recursive: true });

let failed = false;
for (const { label, seed, heldOut, wrappers: chosen } of seeds) {
  const wrappers = chosen ?? (heldOut ? WRAPPERS.heldOut : WRAPPERS.tuning);
  const corpus = loadCorpus(heldOut ? 1 : 0);
  const rules = rulesPath ? compileRuleSet(JSON.parse(readFileSync(rulesPath, 'utf8'))) : defaultRules();
  const engine = new MemoryEngine({ rules, keys: engineKeys(DEV_PEPPER) });
  const pop = buildPopulation(new Rng(seed), corpus, params, wrappers);
  const lines: string[] = [];
  const started = performance.now();
  const result = simulate(engine, pop, params, {
    onProgress: (f) => {
      const n = Math.round(f * 40);
      // A redrawn bar on a terminal; one line per tenth in a log.
      if (process.stderr.isTTY)
        process.stderr.write(`\r${label.padEnd(9)} [${'#'.repeat(n)}${'.'.repeat(40 - n)}] ${(f * 100).toFixed(0).padStart(3)}%`);
      else if (Math.round(f * 100) % 10 === 0) process.stderr.write(`${label}: ${(f * 100).toFixed(0)}%\n`);
    },
    onRecord: outPath ? (line) => lines.push(line) : undefined,
  });
  if (process.stderr.isTTY) process.stderr.write(`\r${' '.repeat(70)}\r`);
  const unguarded = simulate(null, buildPopulation(new Rng(seed), corpus, params, wrappers), params);
  const m = score(result, unguarded);
  const misses = goalsMet(m);
  const table = summaryTable(m);
  const title = `distill-guard simulation: ${label} seed ${seed} (${params.days} days after ${params.warmupDays} warm-up)`;
  console.log(`\n== ${title}\n${table}`);
  console.log(misses.length === 0 ? 'goals: all met' : `goals missed: ${misses.join('; ')}`);
  if (argv.includes('--explain')) {
    for (const [name, g] of result.groups) {
      const top = [...g.reasons].sort((a, b) => b[1] - a[1]).slice(0, 8);
      if (top.length === 0) continue;
      console.log(`\n${name} (${g.kind === 'campaign' ? 'served harvest' : 'denied'}) by leading reasons:`);
      for (const [k, n] of top) console.log(`  ${String(n).padStart(6)}  ${k}`);
    }
  }
  console.log(`wall time ${((performance.now() - started) / 1000).toFixed(1)} s`);
  writeFileSync(resolve(outDir, `report-${label}.html`), htmlReport(title, m, result, table, misses));
  writeFileSync(resolve(outDir, `metrics-${label}.json`), `${JSON.stringify({ seed, label, metrics: m }, null, 2)}\n`);
  if (outPath) writeFileSync(outPath, `${lines.join('\n')}\n`);
  if (heldOut && misses.length > 0) failed = true;
}
console.log(`\nreports: ${outDir}/report-*.html`);
process.exitCode = failed ? 1 : 0;
