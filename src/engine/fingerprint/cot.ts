/**
 * Chain-of-thought elicitation: how strongly a prompt asks for the reasoning itself, across phrasings
 * and languages, read from word tokens in one pass.
 */
import { countMatches, OTHER_WORD } from './text';

// Cues are compositional (a verb of showing or explaining followed closely by a noun of reasoning;
// "step" next to a word of sequence) rather than fixed phrases, so a reworded wrapper still matches.
// Strong cues ask for the reasoning itself; weak ones (explain why, in detail) are common in honest use.
const set = (words: string) => new Set(words.split(' '));
const SHOW = set(
  'show showing shows display write lay laying spell outline detail explain explaining describe justify justifying document include',
);
const SHOW_WHAT = set('work working reasoning steps thinking thought thoughts derivation calculations calculation logic rationale process');
const THINK = set('think thinking reason reasoning');
const THINK_HOW = set('aloud loud carefully through first before systematically methodically step');
const BEFORE_WHAT = set('answering answer giving responding respond replying stating providing writing concluding');
const FULL = set('full complete detailed thorough');
const FULL_WHAT = set('reasoning derivation rationale working');
const INTERMEDIATE_WHAT = set('steps results calculations calculation reasoning work');
const SEQUENCE = set('one each every single');
const TAGS = set('think thinking thought reasoning scratchpad rationale analysis cot reflection');
const FOREIGN_WORDS = set('razonamiento raisonnement denkprozess gedankengang ragionamento raciocínio lösungsweg rozumowanie');
// Latin-script phrases as token sequences ("paso a paso"): first word -> the rest.
// A Map, not an object literal: a prompt word like "constructor" must not find a prototype member.
const FOREIGN_PHRASES = new Map<string, string[][]>([
  [
    'paso',
    [
      ['a', 'paso'],
      ['por', 'paso'],
    ],
  ],
  ['étape', [['par', 'étape']]],
  ['schritt', [['für', 'schritt']]],
  [
    'passo',
    [
      ['a', 'passo'],
      ['dopo', 'passo'],
    ],
  ],
  ['krok', [['po', 'kroku']]],
  ['stap', [['voor', 'stap']]],
  ['steg', [['för', 'steg']]],
  ['adım', [['adım']]],
  ['langkah', [['demi', 'langkah']]],
]);
// Scripts beyond Latin are matched as substrings (CJK has no spaces to split on).
// Cyrillic, Arabic, Devanagari, Vietnamese, kana, CJK, Hangul: the scripts NON_LATIN_COT covers.
const NON_LATIN = /[\u0400-\u04ff\u0600-\u06ff\u0900-\u097f\u1ea0-\u1eff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/;
const NON_LATIN_COT =
  /шаг за шагом|пошагов|рассужд|từng bước|चरण दर चरण|कदम दर कदम|خطوة بخطوة|一步一步|一步步|逐步|步骤|思考过程|推理过程|解题过程|ステップバイステップ|段階的|順を追|考え方|推論|단계별|차근차근|단계적/g;

const WEAK = set('reasoning rationale derive derivation proof prove justify');

const isPunct = (w: string) => w.length === 1 && !/[\p{L}\p{N}]/u.test(w);

/** The next `n` word tokens after `i` (punctuation skipped). */
function nextWords(words: readonly string[], i: number, n: number): string[] {
  const out: string[] = [];
  for (let j = i + 1; j < words.length && out.length < n; j++) if (!isPunct(words[j] as string)) out.push(words[j] as string);
  return out;
}

// Every word a strong cue can start with: one Set lookup skips the other ~95% of words.
const ANCHORS = new Set<string>([
  ...SHOW,
  ...THINK,
  ...FULL,
  ...FOREIGN_WORDS,
  ...FOREIGN_PHRASES.keys(),
  'step',
  'let',
  'chain',
  'before',
  'walk',
  'intermediate',
  '<',
]);

function strongCueAt(words: readonly string[], i: number): boolean {
  const w = words[i] as string;
  if (!ANCHORS.has(w)) return false;
  if (w === 'step') {
    const [a, b] = nextWords(words, i, 2);
    const prev = words[i - 1];
    return ((a === 'by' || a === 'after') && b === 'step') || (prev !== undefined && SEQUENCE.has(prev));
  }
  if (SHOW.has(w)) return nextWords(words, i, 4).some((x) => SHOW_WHAT.has(x));
  if (THINK.has(w)) return nextWords(words, i, 3).some((x) => THINK_HOW.has(x));
  if (w === 'let') {
    const [a, b] = nextWords(words, i, 2);
    return a === 's' && b === 'think';
  }
  if (w === 'chain') {
    const [a, b] = nextWords(words, i, 2);
    return a === 'of' && (b === 'thought' || b === 'thoughts');
  }
  if (w === 'before') {
    const [a, b] = nextWords(words, i, 2);
    return (a !== undefined && BEFORE_WHAT.has(a)) || (a === 'you' && b !== undefined && BEFORE_WHAT.has(b));
  }
  if (w === 'walk') {
    const [a, b] = nextWords(words, i, 2);
    return a === 'through' || ((a === 'me' || a === 'us') && b === 'through');
  }
  if (w === 'intermediate') return INTERMEDIATE_WHAT.has(nextWords(words, i, 1)[0] ?? '');
  if (FULL.has(w)) return FULL_WHAT.has(nextWords(words, i, 1)[0] ?? '');
  if (w === '<') return TAGS.has(words[i + 1] === '/' ? (words[i + 2] ?? '') : (words[i + 1] ?? ''));
  if (FOREIGN_WORDS.has(w)) return true;
  const phrases = FOREIGN_PHRASES.get(w);
  if (phrases) {
    const next = nextWords(words, i, 2);
    return phrases.some((p) => p.every((x, k) => next[k] === x));
  }
  return false;
}

/**
 * Every word `cotScore` compares a word with: a tokenizer scan with this vocabulary builds strings
 * only for these (and one-character tokens), and the score is the same (tested).
 */
export const COT_VOCABULARY: readonly string[] = [
  ...new Set([
    ...ANCHORS,
    ...SHOW_WHAT,
    ...THINK_HOW,
    ...BEFORE_WHAT,
    ...FULL_WHAT,
    ...INTERMEDIATE_WHAT,
    ...SEQUENCE,
    ...TAGS,
    ...WEAK,
    ...[...FOREIGN_PHRASES.values()].flat(2),
    ...['by', 'after', 's', 'think', 'of', 'thought', 'thoughts', 'you', 'through', 'me', 'us'],
  ]),
];

/** 0..1: how strongly a prompt asks for step-by-step reasoning, from its lower-cased tokens and text. */
export function cotScore(words: readonly string[], text: string): number {
  let strong = 0;
  let weak = 0;
  for (let i = 0; i < words.length && strong < 3; i++) {
    // Most words of a vocabulary scan are the placeholder, which no cue starts with or counts as.
    if (words[i] === OTHER_WORD) continue;
    if (strongCueAt(words, i)) strong++;
    else if (weak < 3 && WEAK.has(words[i] as string)) weak++;
  }
  if (strong < 3 && NON_LATIN.test(text)) strong += countMatches(NON_LATIN_COT, text, 3 - strong);
  return Math.min(1, strong * 0.7 + weak * 0.2);
}
