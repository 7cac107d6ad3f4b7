/**
 * Replay passes for the instruction count (`bench/instructions.ts`): the first RECORDS lines of a
 * log through `replayLine`, PASSES times, each pass with a new engine and a new pepper, so its memos
 * start cold while the JIT is warm after the first. Prints `{ passes, records, bytes }`.
 * Usage: `node replay-passes.mjs LOG.jsonl PASSES RECORDS`.
 */
import { nodeByteLength } from '../src/cli/byte-length';
import { engineKeys } from '../src/engine/fingerprint';
import { MemoryEngine } from '../src/engine/memory-state';
import { replayLine } from '../src/engine/record';
import { defaultRules } from '../src/engine/rules/defaults';
import { logLines } from './log-lines';

const [path, passesArg, recordsArg] = process.argv.slice(2);
if (!path) throw new Error('usage: node replay-passes.mjs LOG.jsonl PASSES RECORDS');
const lines = logLines(path, Number(recordsArg ?? 20_000));
const passes = Number(passesArg ?? 1);
let bytes = 0; // what the decisions came to, so no pass can be optimised away
for (let p = 0; p < passes; p++) {
  const engine = new MemoryEngine({ rules: defaultRules(), keys: engineKeys(`replay-pass-${p}`) });
  for (const line of lines) bytes += replayLine(engine, line, nodeByteLength).length;
}
process.stdout.write(`${JSON.stringify({ passes, records: lines.length, bytes })}\n`);
