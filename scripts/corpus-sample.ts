/**
 * Write test/fixtures/corpus: the first lines of each shared corpus file, so the tests that simulate
 * traffic run where `../shared/corpus` is not beside the checkout and CORPUS_DIR is unset (a clone in a
 * temporary folder). The evaluation and the benchmarks never read it: they need the whole corpus.
 * `npm run corpus:sample` (reads the corpus from where `corpusDir` finds it).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CORPUS_FILES, corpusDir } from '../eval/corpus';

/** Lines kept a file: the live test harvests 300 math prompts of the first half, about 620 lines. */
const LINES: Partial<Record<string, number>> = { 'distill_gsm8k.jsonl': 640 };
const DEFAULT_LINES = 80;

const from = corpusDir();
const to = resolve(import.meta.dirname, '../test/fixtures/corpus');
mkdirSync(to, { recursive: true });
for (const file of Object.values(CORPUS_FILES)) {
  const lines = readFileSync(resolve(from, file), 'utf8').split('\n').filter(Boolean);
  writeFileSync(resolve(to, file), `${lines.slice(0, LINES[file] ?? DEFAULT_LINES).join('\n')}\n`);
}
const sources = readFileSync(resolve(from, 'SOURCES.md'), 'utf8');
writeFileSync(
  resolve(to, 'SOURCES.md'),
  `> A sample for the tests: the first ${DEFAULT_LINES} lines of each file (${LINES['distill_gsm8k.jsonl']} of distill_gsm8k.jsonl), written by \`npm run corpus:sample\`. Sources and licences as below.\n\n${sources}`,
);
