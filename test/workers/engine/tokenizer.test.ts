/** The tokenizer: masked words, their hashes as it scans them, and the vocabulary scan the prompt reader uses. */
import { describe, expect, it } from 'vitest';
import { WRAPPERS } from '../../../eval/wrappers';
import { COT_VOCABULARY, cotScore } from '../../../src/engine/fingerprint/cot';
import {
  countMatches,
  FRAMES_ONLY,
  formatWrapperScore,
  OTHER_WORD,
  TOPIC_VOCABULARY,
  tokenize,
} from '../../../src/engine/fingerprint/text';
import { IntSet } from '../../../src/engine/hash/int-set';
import { hash32, wordHashes } from '../../../src/engine/hash/sketch';

describe('tokenize', () => {
  it('tokenizes a text whose lower-case form is longer (İ) without shifting the words after it', () => {
    const { lower, masked } = tokenize('Visit İSTANBUL, let us go.');
    expect(lower).toEqual(['visit', 'i\u0307stanbul', ',', 'let', 'us', 'go', '.']);
    expect(masked).toEqual(['visit', 'N', ',', 'let', 'us', 'go', '.']);
  });

  it('hashes each masked word while scanning it, exactly as hashing the masked words afterwards', () => {
    const texts = [
      'Natalia sold 48 clips in April and "some" more in May. How many clips did she sell?',
      'Visit İSTANBUL, let us go.', // lower-cased word by word: the hash is taken from the masked word
      'Résumé: Ünïcode wörds, ２０２６ digits, 東京 and تجربة; then   spaces\n\nand\tTabs!',
      '',
      'x'.repeat(5000),
      Array.from({ length: 700 }, (_, i) => `word${i % 37} Name${i}`).join(' '), // beyond the word limit
    ];
    for (const text of texts) {
      for (const [limit, seed] of [
        [400, 7],
        [600, 0xdeadbeef],
      ] as const) {
        const t = tokenize(text, limit, seed);
        expect(Array.from(t.hashes ?? [])).toEqual(Array.from(wordHashes(t.masked, seed)));
        expect(t.masked).toEqual(tokenize(text, limit).masked);
      }
    }
    expect(tokenize('no seed').hashes).toBeNull();
  });

  it('reads the same cues, topic and frames from a vocabulary scan as from the whole word lists', () => {
    const question = 'Natalia sold 48 clips in April and "some" more in May. How many clips did she sell altogether?';
    // One cue a text, so a word missing from the vocabulary changes a score (a text of many cues saturates).
    const cues = [
      'step by step',
      'step after step',
      'each step',
      "let's think",
      'chain of thought',
      'chain of thoughts',
      'before answering',
      'before you answer',
      'walk through it',
      'walk me through it',
      'walk us through it',
      'intermediate steps',
      'full reasoning',
      'think aloud',
      'reason carefully',
      'show your work',
      'lay out the logic',
      '<think>',
      '</ scratchpad>',
      'razonamiento',
      'paso a paso',
      'paso por paso',
      'étape par étape',
      'Schritt für Schritt',
      'passo a passo',
      'passo dopo passo',
      'krok po kroku',
      'stap voor stap',
      'steg för steg',
      'adım adım',
      'langkah demi langkah',
      'a proof',
      'justify it',
    ];
    for (const cue of cues) expect(cotScore(tokenize(`${question} Please, ${cue}.`).lower, cue), cue).toBeGreaterThan(0);
    const texts = [
      ...cues.map((cue) => `${question} Please, ${cue}.`),
      ...Object.values(WRAPPERS)
        .flat()
        .map((w) => w.replace('{q}', question)),
      "Let's think step by step: walk me through it, one step at a time, before you answer.",
      'Give your chain of thought in <think></think> then </thinking> the final answer; show all intermediate results.',
      'Explain the full derivation. Razonamiento paso a paso, Schritt für Schritt, krok po kroku, adım adım.',
      'Write a python function that returns the sum of an array; the code has a bug in the loop _ x y.',
      'Visit İSTANBUL, let us go step by step.', // lower-cased word by word: the full path
      `${'The patient reported pain after the dose. '.repeat(40)}Reason carefully.`,
      '',
    ];
    for (const seed of [7, 0xdeadbeef]) {
      const vocabulary = {
        words: new IntSet([...COT_VOCABULARY, ...TOPIC_VOCABULARY].map((w) => hash32(w, seed))),
        topics: new IntSet(TOPIC_VOCABULARY.map((w) => hash32(w, seed))),
      };
      const words = new Set([...COT_VOCABULARY, ...TOPIC_VOCABULARY]);
      for (const text of texts) {
        const full = tokenize(text, 400, seed);
        const scan = tokenize(text, 400, seed, vocabulary);
        expect(Array.from(scan.hashes ?? [])).toEqual(Array.from(full.hashes ?? []));
        expect([scan.count, scan.head, scan.tail, scan.topic]).toEqual([full.count, full.head, full.tail, full.topic]);
        expect(scan.lower.length).toBe(full.lower.length);
        scan.lower.forEach((w, i) => {
          if (w === OTHER_WORD) expect(words.has(full.lower[i] as string)).toBe(false);
          else expect(w).toBe(full.lower[i]);
        });
        expect(cotScore(scan.lower, text)).toBe(cotScore(full.lower, text));
      }
    }
    // A frames-only scan (how a long prompt's tail is read) gives the same frames, at any word limit.
    for (const text of texts) {
      for (const limit of [60, 400]) {
        const full = tokenize(text, limit);
        const frames = tokenize(text, limit, undefined, FRAMES_ONLY);
        expect([frames.count, frames.head, frames.tail]).toEqual([full.count, full.head, full.tail]);
        // It builds no word's string but punctuation and non-ASCII words (unless lower-casing moves the text).
        const kept = frames.lower.filter((w) => w !== OTHER_WORD && w.length > 1 && w.charCodeAt(0) < 128);
        expect(kept.length === 0 || text.toLowerCase().length !== text.length).toBe(true);
      }
    }
    expect(tokenize('Solve the equation and calculate the integral, then write a poem.').topic).toBe(1);
    expect(tokenize('Fix the bug in this python function.').topic).toBe(2);
  });
});

describe('formatWrapperScore', () => {
  // The pattern as first written, one alternative a phrase: the grouped one must count the same matches.
  const UNGROUPED =
    /(final answer|the answer is|answer:|\\boxed|answer with (only|just)|respond (only )?with|output format|format your (answer|response)|in the following format|json format|choose (the|one) (correct|best)|(^|\n)\s*[a-d][.)]\s|correct option|multiple choice|rubric|grade:|score:)/g;
  const reference = (text: string) => Math.min(1, countMatches(UNGROUPED, text.toLowerCase(), 4) * 0.3);
  const PIECES = [
    ...['final answer', 'the answer is', 'answer:', '\\boxed{', 'answer with only', 'answer with just', 'respond only with'],
    ...['respond with', 'output format', 'format your answer', 'format your response', 'in the following format'],
    ...['json format', 'choose the correct', 'choose one best', 'correct option', 'multiple choice', 'rubric', 'grade:'],
    ...['score:', 'FINAL ANSWER', 'Format Your Response', 'Answer:', 'final answe', 'answer with', 'respond only', 'choose the'],
    ...['format', 'answer', 'correct', '\na) ', '\n  B. ', '\nc)x', '\n\u3000d) ', ' a) ', 'e) ', '\n\n', ' ', 'İn the following format'],
    ...['the cat', 'score', 'c.', '\n', '\t', 'A) ', 'x'],
  ];

  it('scores every text as the ungrouped pattern does', () => {
    let seed = 12345;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const texts = [...WRAPPERS.tuning, ...WRAPPERS.heldOut, 'a) one\nb) two', '\na. x', '  c) y', 'b)\n', ''];
    for (let k = 0; k < 3000; k++) {
      texts.push(Array.from({ length: 1 + next(6) }, () => PIECES[next(PIECES.length)]).join(next(3) === 0 ? '' : ' '));
    }
    const scores = new Set<number>();
    for (const text of texts) {
      expect(formatWrapperScore(text), JSON.stringify(text)).toBe(reference(text));
      scores.add(formatWrapperScore(text));
    }
    // Every count from none to the cap occurs, so the texts test more than the empty case.
    expect([...scores].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4].map((n) => Math.min(1, n * 0.3)));
  });
});
