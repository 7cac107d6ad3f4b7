/**
 * The prompt corpus (../shared/corpus, read at run time, never built into the engine), split in two
 * halves by a hash of each text: the tuning seed draws from one half, the evaluation seed from the other,
 * so the reported numbers are on prompts the rules were never tuned on.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fnv1a } from '../src/mock/generate';

export interface Turn {
  role: 'user' | 'assistant';
  content: string;
}

export interface Prompt {
  text: string;
  turns: Turn[] | null;
}

export type CorpusName =
  | 'arena'
  | 'awesome'
  | 'banking'
  | 'clinc'
  | 'hh'
  | 'sgd'
  | 'alpaca'
  | 'gsm8k'
  | 'humaneval'
  | 'mmlu'
  | 'mtbench'
  | 'selfinstruct';

export const CORPUS_FILES: Record<CorpusName, string> = {
  arena: 'benign_arena_hard.jsonl',
  awesome: 'benign_awesome_chatgpt_prompts.jsonl',
  banking: 'benign_banking77.jsonl',
  clinc: 'benign_clinc150.jsonl',
  hh: 'benign_hh_rlhf_harmless_test.jsonl',
  sgd: 'benign_sgd_dialogues.jsonl',
  alpaca: 'distill_alpaca_libre.jsonl',
  gsm8k: 'distill_gsm8k.jsonl',
  humaneval: 'distill_humaneval.jsonl',
  mmlu: 'distill_mmlu.jsonl',
  mtbench: 'distill_mt_bench_vicuna_bench.jsonl',
  selfinstruct: 'distill_self_instruct.jsonl',
};

/** The shared corpus: CORPUS_DIR, or `../shared/corpus` beside the checkout; null when neither holds it. */
export function findCorpusDir(): string | null {
  const candidates = [
    process.env.CORPUS_DIR,
    resolve(process.cwd(), '../shared/corpus'),
    resolve(import.meta.dirname, '../../shared/corpus'),
  ];
  for (const c of candidates) if (c && existsSync(resolve(c, 'SOURCES.md'))) return c;
  return null;
}

export function corpusDir(): string {
  const dir = findCorpusDir();
  if (dir === null) throw new Error('corpus not found: set CORPUS_DIR to the folder holding the shared prompt corpus');
  return dir;
}

export type Corpus = Record<CorpusName, Prompt[]>;

/** Load every file, keeping the half `split` (0 or 1) of each. */
export function loadCorpus(split: 0 | 1, dir = corpusDir()): Corpus {
  const out = {} as Corpus;
  for (const [name, file] of Object.entries(CORPUS_FILES) as Array<[CorpusName, string]>) {
    const prompts: Prompt[] = [];
    for (const line of readFileSync(resolve(dir, file), 'utf8').split('\n')) {
      if (!line) continue;
      const rec = JSON.parse(line) as { text: string; turns?: Turn[] };
      if ((fnv1a(rec.text) & 1) !== split) continue;
      prompts.push({ text: rec.text, turns: rec.turns ?? null });
    }
    out[name] = prompts;
  }
  return out;
}
