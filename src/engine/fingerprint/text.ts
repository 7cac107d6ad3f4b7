/**
 * Content features from prompt text: masked template, frames, chain-of-thought elicitation,
 * answer-format wrappers, topic. Work is bounded: only a head and a tail of a long prompt are read.
 */

import { IntSet } from '../hash/int-set';
import { hash32, hash32Final, hash32Step } from '../hash/sketch';

export const HEAD_CHARS = 2400;
export const TAIL_CHARS = 600;

/**
 * The part of a long text worth reading: its head and its tail, where wrappers and instructions live.
 * A 64 KB prompt costs what a 3 KB one does; the middle (pasted documents, code) says little about intent.
 */
export function boundedText(text: string): string {
  if (text.length <= HEAD_CHARS + TAIL_CHARS) return text;
  return flatJoin([text.slice(0, HEAD_CHARS), text.slice(-TAIL_CHARS)], '\n');
}

/**
 * Strings joined into one flat string. `a + b` makes a rope (a cons string) that V8 reads through an
 * indirection; a few ropes among the prompts a scanner reads made its optimised loop several times
 * slower for every prompt (measured: 44k against 5.4k instructions for a 216-character prompt).
 * `Array.prototype.join` builds a sequential string.
 */
export function flatJoin(parts: string[], separator: string): string {
  return parts.length === 1 ? (parts[0] as string) : parts.join(separator);
}

// Character classes for the tokenizer: a hand-written scanner is several times faster than a Unicode
// regex over every token. Non-ASCII letters (accents, Cyrillic, CJK...) are word characters; the
// general and CJK punctuation blocks are punctuation.
const SPACE = 0;
const WORDCH = 1;
const PUNCT = 2;
const ASCII_CLASS = new Uint8Array(128).map((_, c) => {
  if (c <= 32) return SPACE;
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) return WORDCH;
  return PUNCT;
});

function charClass(c: number): number {
  if (c < 128) return ASCII_CLASS[c] as number;
  if (c === 0xa0 || (c >= 0x2000 && c <= 0x200b) || c === 0x3000 || c === 0x2028 || c === 0x2029) return SPACE;
  if (
    (c >= 0xa1 && c <= 0xbf) ||
    c === 0xd7 ||
    c === 0xf7 ||
    (c >= 0x2010 && c <= 0x206f) ||
    (c >= 0x3001 && c <= 0x303f) ||
    (c >= 0xff01 && c <= 0xff0f)
  ) {
    return PUNCT;
  }
  return WORDCH;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const NUMERIC = /^\p{N}/u;

export interface Tokens {
  /**
   * Lower-cased words and punctuation, in order: what elicitation cues are read from. After a scan
   * with a vocabulary, a word of two or more characters outside it is `OTHER_WORD`.
   */
  lower: string[];
  /**
   * Masked words: numbers -> `0`, quoted spans -> `"q"`, capitalised words inside a sentence (names)
   * -> `N`. Two prompts from one template mask to the same words. Empty after a scan with a vocabulary
   * (`count`, `head`, `tail` and `topic` say what is read from them).
   */
  masked: string[];
  /**
   * With a seed: `hash32(masked[i], seed)` of each masked word, computed while the word is scanned, in a
   * buffer that is valid until the next seeded call (the SimHash and the template fold read it).
   */
  hashes: Uint32Array | null;
  /** How many masked words there are, and the first and last `FRAME_WORDS` of them. */
  count: number;
  head: string[];
  tail: string[];
  /** The masked words' dominant topic: which of `TOPICS` has the most words in them (0 when none has). */
  topic: number;
}

/**
 * A vocabulary scan's words (see `tokenize`): the seeded `hash32` of every word a reader compares with,
 * and of the topic words among them, so that only a word that can be a topic is looked up as one.
 */
export interface Vocabulary {
  words: IntSet;
  topics: IntSet;
}

/** What a word outside a scan's vocabulary reads as in `lower`: no cue or topic word equals it. */
export const OTHER_WORD = '\u0000w';

/**
 * The vocabulary of a scan for its frames alone (`head`, `tail`): no word of two or more characters is
 * kept and none is hashed, so no string is built but the frames' twelve words. A long prompt's tail is
 * read this way (callgrind: 1.2% fewer instructions for a new 4 KB prompt than a whole word list).
 */
export const FRAMES_ONLY: Vocabulary = { words: new IntSet([]), topics: new IntSet([]) };

const FRAME_WORDS = 6;

let hashScratch = new Uint32Array(600);
// The last FRAME_WORDS masked words of a vocabulary scan, as positions: [start, end, mask] each.
const tailRing = new Int32Array(FRAME_WORDS * 3);
const MASK_NONE = 0;
const MASK_NUMBER = 1;
const MASK_NAME = 2;

/** A word as the masked words hold it: numbers `0`, names `N`, anything else itself. */
function maskedWord(mask: number, word: string): string {
  return mask === MASK_NUMBER ? '0' : mask === MASK_NAME ? 'N' : word;
}

/**
 * Words, punctuation and masked words of a text. With a `vocabulary` (the seeded hashes of every word a
 * caller compares words with), a word's string is only built when its hash is in it: most words of a
 * prompt are read for their hash alone, and a cue reader compares the rest with its word lists.
 */
export function tokenize(text: string, limit = 400, seed?: number, vocabulary?: Vocabulary): Tokens {
  const t = text.replace(/"[^"\n]{1,200}"|“[^”\n]{1,200}”|'[^'\n]{3,200}'/g, ' "q" ');
  const low = t.toLowerCase();
  // Lower-casing can change a text's length ("İ" becomes "i" and a combining dot): then positions in
  // `t` are not positions in `low`, and each word is lower-cased on its own.
  const aligned = low.length === t.length;
  // Characters are read from `low` where it lines up (lower-casing never moves a character between
  // space, punctuation and word characters): `replace` returns a rope (a cons string), which V8 reads
  // char by char several times slower, and `toLowerCase` a flat string. `t` is read once a word, for
  // its case.
  const src = aligned ? low : t;
  // Without a seed no word can be told to be in a vocabulary: such a scan keeps frames only.
  const compact = vocabulary !== undefined && aligned;
  const lower: string[] = [];
  const masked: string[] = [];
  const head: string[] = [];
  const topics = new Uint8Array(16);
  let topic = 0;
  let topicCount = 0;
  if (seed !== undefined && hashScratch.length < limit) hashScratch = new Uint32Array(limit);
  const hashes = seed === undefined ? null : hashScratch;
  const s0 = (seed ?? 0) >>> 0;
  // Masked numbers and names are all one word each: hashed once, not once a word.
  const numberHash = hashes ? hash32('0', s0) : 0;
  const nameHash = hashes ? hash32('N', s0) : 0;
  let sentenceStart = true;
  let count = 0;
  const n = t.length;
  let i = 0;
  while (i < n && count < limit) {
    const c = src.charCodeAt(i);
    const cls = charClass(c);
    if (cls === SPACE) {
      // A line break ends a sentence, as a full stop does.
      if (c === 10) sentenceStart = true;
      i++;
      continue;
    }
    let j = i + 1;
    // The word's hash over its lower-cased characters, read once (only where `low` lines up with `t`).
    let h = hashes && aligned ? hash32Step(s0, low.charCodeAt(i)) : 0;
    if (cls === WORDCH) {
      for (; j < n; j++) {
        const d = src.charCodeAt(j);
        if ((d < 128 ? ASCII_CLASS[d] : charClass(d)) !== WORDCH) break;
        if (hashes && aligned) h = hash32Step(h, low.charCodeAt(j));
      }
    }
    const wordHash = hashes && aligned ? hash32Final(h, j - i) : 0;
    // One-character tokens are kept: a cue reader tells punctuation from words by them.
    const known = compact && hashes !== null && j - i > 1 && (vocabulary as Vocabulary).words.has(wordHash);
    const keep = !compact || known || j - i === 1 || c > 127;
    const lw = !keep ? OTHER_WORD : aligned ? low.slice(i, j) : t.slice(i, j).toLowerCase();
    lower.push(lw);
    let mask = MASK_NONE;
    if (cls === PUNCT) {
      sentenceStart = lw === '.' || lw === '?' || lw === '!' || lw === ':';
    } else {
      if (isDigit(c) || (c > 127 && NUMERIC.test(lw))) mask = MASK_NUMBER;
      else if (!sentenceStart && j - i > 1 && t.charCodeAt(i) !== (aligned ? low.charCodeAt(i) : lw.charCodeAt(0))) mask = MASK_NAME;
      sentenceStart = false;
    }
    const m = maskedWord(mask, lw);
    if (hashes) hashes[count] = mask === MASK_NUMBER ? numberHash : mask === MASK_NAME ? nameHash : aligned ? wordHash : hash32(m, s0);
    if (compact) {
      if (count < FRAME_WORDS) head.push(mask === MASK_NONE && lw === OTHER_WORD ? low.slice(i, j) : m);
      const at = (count % FRAME_WORDS) * 3;
      tailRing[at] = i;
      tailRing[at + 1] = j;
      tailRing[at + 2] = mask;
    } else masked.push(m);
    // Topic words are lower-case ASCII words of three letters or more: in a vocabulary scan, only a
    // word whose hash is a topic word's can be one (most kept words are cue words like "of" or "by").
    const id =
      mask === MASK_NONE && (compact ? known && (vocabulary as Vocabulary).topics.has(wordHash) : j - i > 2)
        ? TOPIC_WORDS.get(lw)
        : undefined;
    if (id !== undefined) {
      const k = (topics[id] as number) + 1;
      topics[id] = k;
      if (k > topicCount) {
        topic = id;
        topicCount = k;
      }
    }
    count++;
    i = j;
  }
  return {
    lower,
    masked,
    hashes: hashes ? hashes.subarray(0, count) : null,
    count,
    head: compact ? head : masked.slice(0, FRAME_WORDS),
    tail: compact ? ringTail(low, count) : masked.slice(-FRAME_WORDS),
    topic,
  };
}

function ringTail(low: string, count: number): string[] {
  const out: string[] = [];
  for (let k = Math.max(0, count - FRAME_WORDS); k < count; k++) {
    const at = (k % FRAME_WORDS) * 3;
    out.push(maskedWord(tailRing[at + 2] as number, low.slice(tailRing[at] as number, tailRing[at + 1] as number)));
  }
  return out;
}

/**
 * The first and last few masked words of a prompt long enough to have a frame around its question;
 * `null` for a short prompt, whose "frame" would be the question itself.
 */
export function frames(count: number, head: readonly string[], tail: readonly string[]): { prefix: string | null; suffix: string | null } {
  if (count < FRAME_WORDS * 2 + 4) return { prefix: null, suffix: null };
  return { prefix: head.join(' '), suffix: tail.join(' ') };
}

// Matched on lower-cased text, so no `i` flag; ASCII patterns, so no `u` flag: both cost time. The
// phrases are grouped by their first letters. No two alternatives can match at one position (no phrase
// is a prefix of another; an option list starts with a newline, or at the text's start with a space or
// with a-d and then `.` or `)`, where a phrase has a letter), so their order does not matter and grouping
// keeps every match, while V8 tries fewer branches at each character: about 17 against 28 µs for a 3 KB
// prompt in one sitting, lower-casing included. Tested equal to the ungrouped pattern.
const FORMAT_WRAPPER =
  /f(?:inal answer|ormat your (?:answer|response))|the answer is|answer(?::| with (?:only|just))|\\boxed|respond (?:only )?with|output format|in the following format|json format|c(?:hoose (?:the|one) (?:correct|best)|orrect option)|(?:^|\n)\s*[a-d][.)]\s|multiple choice|rubric|grade:|score:/g;

export function countMatches(re: RegExp, text: string, cap: number): number {
  re.lastIndex = 0;
  let n = 0;
  while (n < cap && re.exec(text) !== null) n++;
  re.lastIndex = 0;
  return n;
}

/** 0..1: answer-format scaffolding typical of harvesting and grading pipelines. */
export function formatWrapperScore(text: string): number {
  return Math.min(1, countMatches(FORMAT_WRAPPER, text.toLowerCase(), 4) * 0.3);
}

// Topic: which broad domain a prompt is in. A distiller covers many; an application is narrow.
const TOPIC_WORDS = new Map<string, number>();
const TOPICS: Array<[number, string]> = [
  [
    1,
    'equation solve calculate sum integer probability percent fraction algebra geometry triangle derivative integral theorem average ratio divide multiply total how many math matrix polynomial',
  ],
  [
    2,
    'function code python javascript java sql class def return array compile bug error api database regex algorithm program script typescript rust string loop variable',
  ],
  [
    3,
    'physics chemistry biology cell atom molecule energy force gravity reaction species evolution quantum electron velocity dna protein planet',
  ],
  [4, 'patient disease symptom treatment medicine doctor drug diagnosis health clinical infection blood pain dose therapy'],
  [5, 'law legal court contract rights constitution statute liability lawsuit attorney regulation crime criminal'],
  [6, 'stock market invest economy price inflation tax revenue profit finance interest bank loan credit budget accounting'],
  [7, 'history war century empire king revolution ancient president civilization historical dynasty colonial'],
  [8, 'poem story essay write novel character haiku lyrics blog poetry fiction narrative tweet slogan'],
  [9, 'card account transfer pin balance payment refund charge declined atm fee transaction deposit withdraw'],
  [10, 'flight hotel reservation booking restaurant trip travel ticket reserve rental city weather'],
  [11, 'philosophy moral ethics meaning society culture religion belief argument opinion'],
  [12, 'recipe cook food eat meal ingredient bake diet calories protein breakfast dinner'],
  [13, 'marketing business customer product company strategy sales startup brand manager employee'],
  [14, 'language translate grammar sentence word english spanish french meaning synonym vocabulary'],
  [15, 'music movie film game song sport team player art painting'],
];
for (const [id, words] of TOPICS) {
  for (const w of words.split(' ')) {
    if (!/^[a-z]{3,}$/.test(w)) throw new Error(`topic word "${w}": the tokenizer looks up lower-case ASCII words of 3+ letters`);
    TOPIC_WORDS.set(w, id);
  }
}

/** Every topic word: a vocabulary scan keeps them (see `tokenize`). */
export const TOPIC_VOCABULARY: readonly string[] = [...TOPIC_WORDS.keys()];
