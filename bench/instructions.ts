/**
 * `npm run bench:instructions [-- --records 20000]`: the replay's cost in CPU instructions, which do
 * not depend on how fast this shared machine is at the moment (its wall-clock speed has varied by 2x
 * between sittings). valgrind's callgrind counts the instructions of one and of two passes over the
 * simulated day's first records (`bench/replay-passes.ts`, bundled as the CLI is, V8 single-threaded
 * so no compiler or GC thread varies); two passes minus one is a pass with a warm JIT and cold memos.
 * The count is repeatable to a few percent: compare revisions with it, and divide a machine's
 * instructions a second by it for the records a second it can replay. Needs valgrind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { numberOption } from './args';
import { bundleScript, simulatedDay } from './engine';

const records = numberOption('--records', 20_000);
if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('bench:instructions needs valgrind (Debian: apt-get install valgrind)');
  process.exit(2);
}

/** Instructions callgrind counted for `passes` passes (the two runs go at once, one a core). */
function count(bundle: string, log: string, passes: number): Promise<number> {
  const args = [
    '--tool=callgrind',
    '--callgrind-out-file=/dev/null',
    'node',
    '--single-threaded',
    bundle,
    log,
    String(passes),
    String(records),
  ];
  return new Promise((resolve, reject) => {
    const run = spawn('valgrind', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    run.stderr.on('data', (d) => {
      err += String(d);
    });
    run.on('exit', (code) => {
      const collected = err.match(/Collected : (\d+)/)?.[1];
      if (code === 0 && collected) resolve(Number(collected));
      else reject(new Error(`callgrind: exit ${code}\n${err.slice(-2000)}`));
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'dg-instructions-'));
try {
  const log = join(dir, 'traffic.jsonl');
  writeFileSync(log, `${simulatedDay().join('\n')}\n`);
  const bundle = bundleScript('replay-passes', dir);
  console.log(`counting the instructions of 1 and 2 replay passes over ${records} records (a few minutes)...`);
  const [one, two] = await Promise.all([count(bundle, log, 1), count(bundle, log, 2)]);
  const second = two - one;
  const m = (n: number) => `${(n / 1e6).toFixed(0)}M`;
  console.log(`first pass (cold JIT and memos)  ${m(one)} instructions`);
  console.log(`second pass (warm JIT, cold memos) ${m(second)} instructions, ${(second / records / 1000).toFixed(0)}k a record`);
  console.log(`20,000 records a second takes ${((20_000 * second) / records / 1e9).toFixed(1)}G instructions a second`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
