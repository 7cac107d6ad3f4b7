/**
 * The replay loop alone, bundled and run by node as `npm run replay` is: every line of a log file
 * through `replayLine` (what the CLI writes), timed without start-up and without stdin or stdout.
 * Prints `{ records, seconds }`. Run by `bench/engine.ts`; memos start empty (a new process).
 */
import { readFileSync } from 'node:fs';
import { DEV_PEPPER } from '../src/engine/dev-pepper';
import { engineKeys } from '../src/engine/fingerprint';
import { MemoryEngine } from '../src/engine/memory-state';
import { replayLine } from '../src/engine/record';
import { defaultRules } from '../src/engine/rules/defaults';

const path = process.argv[2];
if (!path) throw new Error('usage: node replay-loop.mjs LOG.jsonl');
const lines = readFileSync(path, 'utf8').split('\n');
const engine = new MemoryEngine({ rules: defaultRules(), keys: engineKeys(DEV_PEPPER) });
let records = 0;
const started = performance.now();
for (const line of lines) {
  if (replayLine(engine, line)) records++;
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ records, seconds })}\n`);
