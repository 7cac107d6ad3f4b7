/**
 * What a prompt's text says, read once per distinct text: elicitation cues, answer-format wrappers,
 * topic, near-duplicate sketch, template and frame ids. Applications repeat one system prompt on every
 * request, and the same prompts come back (retries, evaluation runs, samples of one question, a
 * campaign's shared list), so both are memoised per isolate. Memos are keyed by a 53-bit hash of the
 * text, so they hold no prompt text; a collision would cost one request its content features, at odds
 * of about 1 in 10^12 per lookup.
 */
import { IntSet } from '../hash/int-set';
import { toHex } from '../hash/sha256';
import { simhashWords } from '../hash/simhash';
import { foldWords, hash32 } from '../hash/sketch';
import { encodeUtf8 } from '../hash/utf8';
import { GenerationalMemo } from '../memo';
import { COT_VOCABULARY, cotScore } from './cot';
import type { EngineKeys } from './identity';
import { FRAMES_ONLY, formatWrapperScore, frames, TOPIC_VOCABULARY, tokenize, type Vocabulary } from './text';

/** Shortest prompt (in masked words) whose whole template is a meaningful cluster. */
const MIN_TEMPLATE_WORDS = 6;
/** Entries per generation (~0.5 KB each): 20,000 prompts at most, about 10 MB. */
const MEMO_GENERATION = 10_000;

export interface PromptFeatures {
  cot: number;
  format: number;
  topic: number;
  simhash: string;
  templateHash: string;
  /** Cluster keys of the prompt's frames and whole template; null when it is too short to have one. */
  prefixKey: string | null;
  suffixKey: string | null;
  templateKey: string | null;
}

export interface SystemFeatures {
  cot: number;
  format: number;
  clusterKey: string;
}

/**
 * cyrb53: two 32-bit lanes, mixed into a 53-bit number (a safe integer Map key). A well-formed text is
 * hashed as its UTF-8 bytes, four at a time, encoded natively into a reused buffer: for 4 KB, about 3
 * µs against 10-12 µs for one UTF-16 unit a step (which a text with a lone surrogate still takes, as
 * UTF-8 would encode every lone surrogate alike). The byte length, mixed in, tells texts apart that
 * differ only in trailing NULs.
 */
export function hash53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  if (text.isWellFormed()) {
    const { words, length: n } = encodeUtf8(text);
    for (let i = 0, count = (n + 3) >> 2; i < count; i++) {
      const c = words[i] as number;
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    h2 ^= n;
  } else {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** A bounded memo per engine keys (ids and sketches depend on the pepper). */
function memoised<T>(read: (text: string, keys: EngineKeys) => T): (text: string, keys: EngineKeys) => T {
  const memos = new WeakMap<EngineKeys, GenerationalMemo<number, T>>();
  return (text, keys) => {
    let memo = memos.get(keys);
    if (!memo) {
      memo = new GenerationalMemo(MEMO_GENERATION);
      memos.set(keys, memo);
    }
    const h = hash53(text, keys.sketchSeed);
    let out = memo.get(h);
    if (out === undefined) {
      out = read(text, keys);
      memo.set(h, out);
    }
    return out;
  };
}

const digestOut = new Uint8Array(32);
const vocabularies = new WeakMap<EngineKeys, Vocabulary>();

/** The seeded hashes of the words the cue and topic readers compare with (see `tokenize`), per pepper. */
function vocabulary(keys: EngineKeys): Vocabulary {
  let v = vocabularies.get(keys);
  if (!v) {
    const hashes = (words: readonly string[]) => new IntSet(words.map((w) => hash32(w, keys.sketchSeed)));
    v = { words: hashes([...COT_VOCABULARY, ...TOPIC_VOCABULARY]), topics: hashes(TOPIC_VOCABULARY) };
    vocabularies.set(keys, v);
  }
  return v;
}

function readPrompt(prompt: string, keys: EngineKeys): PromptFeatures {
  // Words are hashed (seeded) as they are scanned; the near-duplicate sketch and the template fold
  // reuse the numbers, and only words a reader compares get a string. A whole template is folded to
  // 64 bits, so its keyed hash costs one HMAC block, not forty; one digest gives both the template id
  // and its cluster key.
  const tokens = tokenize(prompt, 400, keys.sketchSeed, vocabulary(keys));
  const hashes = tokens.hashes as Uint32Array;
  // A long prompt's suffix frame is read from its own tail, not from the 400-word cap of the head.
  const tail = prompt.length > 2000 ? tokenize(prompt.slice(-300), 60, undefined, FRAMES_ONLY).tail : tokens.tail;
  const { prefix, suffix } = frames(tokens.count, tokens.head, tail);
  const simhash = simhashWords(hashes);
  // Templates rarely repeat across distinct prompts, so their digest is not memoised.
  const templateDigest = keys.hmac.digest(`tpl\u0000${foldWords(hashes)}`, digestOut);
  return {
    cot: cotScore(tokens.lower, prompt),
    format: formatWrapperScore(prompt),
    topic: tokens.topic,
    simhash,
    templateHash: toHex(templateDigest, 8),
    prefixKey: prefix ? keys.id('prefix', prefix) : null,
    suffixKey: suffix ? keys.id('suffix', suffix) : null,
    templateKey: tokens.count >= MIN_TEMPLATE_WORDS ? toHex(templateDigest.subarray(8), 8, 'template:') : null,
  };
}

function readSystem(system: string, keys: EngineKeys): SystemFeatures {
  const tokens = tokenize(system, 600, keys.sketchSeed, vocabulary(keys));
  return {
    cot: cotScore(tokens.lower, system),
    format: formatWrapperScore(system),
    // Masked, so variants that differ only in names and numbers share a cluster.
    clusterKey: keys.id('system', foldWords(tokens.hashes as Uint32Array, 0, Math.min(200, tokens.count))),
  };
}

/** Only the cues (elicitation, format) of a prompt: what a batch's sampled requests add. */
export function promptCues(prompt: string): { cot: number; format: number } {
  return { cot: cotScore(tokenize(prompt).lower, prompt), format: formatWrapperScore(prompt) };
}

/** The content features of a (bounded) prompt. */
export const promptFeatures = memoised(readPrompt);

/** The content features of a system prompt (at most its first 4,000 characters are read). */
export const systemFeatures = memoised(readSystem);
