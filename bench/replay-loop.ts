/**
 * The replay loop alone, bundled and run by node as `npm run replay` is: every line of a log file,
 * read as the CLI reads it (`log-lines.ts`), through `replayLine` (what the CLI writes), timed without
 * start-up and without stdin or stdout. Prints `{ records, seconds, laterSeconds }`, the last for the
 * log's second half (the JIT warm, as through most of a long replay). Run by `bench/engine.ts`; memos
 * start empty (a new process).
 */
import { nodeByteLength } from '../src/cli/byte-length';
import { DEV_PEPPER } from '../src/engine/dev-pepper';
import { engineKeys } from '../src/engine/fingerprint';
import { MemoryEngine } from '../src/engine/memory-state';
import { replayLine } from '../src/engine/record';
import { defaultRules } from '../src/engine/rules/defaults';
import { logLines } from './log-lines';

const path = process.argv[2];
if (!path) throw new Error('usage: node replay-loop.mjs LOG.jsonl');
const lines = logLines(path);
const engine = new MemoryEngine({ rules: defaultRules(), keys: engineKeys(DEV_PEPPER) });
let records = 0;
const half = lines.length >> 1;
const started = performance.now();
let halfway = started;
for (let i = 0; i < lines.length; i++) {
  if (i === half) halfway = performance.now();
  if (replayLine(engine, lines[i] as string, nodeByteLength)) records++; // counted as the CLI counts
}
const ended = performance.now();
process.stdout.write(`${JSON.stringify({ records, seconds: (ended - started) / 1000, laterSeconds: (ended - halfway) / 1000 })}\n`);
