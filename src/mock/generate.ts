/**
 * Deterministic answer text for the mock origin. Lengths follow the request (a longer or
 * reasoning-style question gets a longer answer; `max_tokens` caps it) so the guard's accounting
 * has realistic numbers to count. One generated word is one token.
 */

const WORDS = (
  'the model answer first consider each part of question then we note that result follows from ' +
  'this step so value is given by applying rule again which means total equals sum over terms ' +
  'because data shows clear pattern in case where input grows output also changes and final ' +
  'check confirms approach works well for example when number doubles time halves hence ' +
  'solution uses simple idea about structure function returns list while loop keeps state ' +
  'here key point remains that method handles edge cases carefully without extra cost'
).split(' ');

/** FNV-1a 32-bit: a stable seed from the request text. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a tiny deterministic PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rough token count for input text (about four characters a token, as both vendors document). */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** `count` words of deterministic text, sentence-cased, as an array of tokens (each with its space). */
export function generateTokens(seed: number, count: number): string[] {
  const rand = prng(seed);
  const tokens: string[] = [];
  let sentenceStart = true;
  for (let i = 0; i < count; i++) {
    let word = WORDS[Math.floor(rand() * WORDS.length)] ?? 'the';
    if (sentenceStart) word = word[0]?.toUpperCase() + word.slice(1);
    const end = i === count - 1 || rand() < 0.08;
    tokens.push((i === 0 ? '' : ' ') + word + (end ? '.' : ''));
    sentenceStart = end;
  }
  return tokens;
}

const REASONING_HINT = /step|explain|why|prove|solve|calculate|reason|think|derive|\d+\s*[-+*/x×]\s*\d+/i;

/** How many answer tokens the mock writes for a prompt, before any `max_tokens` cap. */
export function answerLength(prompt: string, seed: number): number {
  const base = 30 + (seed % 90) + Math.min(400, Math.floor(prompt.length / 6));
  return REASONING_HINT.test(prompt) ? base * 3 : base;
}

/** Split tokens into stream deltas of 1-6 tokens, as real streams do. */
export function chunkTokens(tokens: string[], seed: number): string[] {
  const rand = prng(seed ^ 0x9e3779b9);
  const chunks: string[] = [];
  for (let i = 0; i < tokens.length; ) {
    const n = 1 + Math.floor(rand() * 6);
    chunks.push(tokens.slice(i, i + n).join(''));
    i += n;
  }
  return chunks;
}

export function mockId(prefix: string, seed: number): string {
  return `${prefix}${seed.toString(36).padStart(7, '0')}${fnv1a(String(seed)).toString(36)}`;
}

export interface AnswerPlan {
  seed: number;
  inputTokens: number;
  thinking: string[];
  text: string[];
  /** True when `max_tokens` cut the answer short. */
  truncated: boolean;
}

/**
 * The whole answer for one request: thinking tokens (up to the budget), then text, both inside
 * `maxTokens` as the real APIs count them (thinking is part of the output).
 */
export interface AnswerSize {
  seed: number;
  inputTokens: number;
  thinkingTokens: number;
  textTokens: number;
  truncated: boolean;
}

/** How long the answer to a request is, without writing it (the simulator's usage comes from here). */
export function answerSize(requestText: string, prompt: string, maxTokens: number, thinkingBudget: number): AnswerSize {
  const seed = fnv1a(requestText);
  const limit = Math.max(1, Math.floor(maxTokens));
  const wantThinking = thinkingBudget > 0 ? Math.min(thinkingBudget, 120 + (seed % 200) * 4) : 0;
  const thinkingTokens = Math.min(wantThinking, Math.max(0, limit - 1));
  const wantText = answerLength(prompt, seed);
  const textTokens = Math.max(1, Math.min(wantText, limit - thinkingTokens));
  return { seed, inputTokens: estimateTokens(requestText), thinkingTokens, textTokens, truncated: textTokens < wantText };
}

export function planAnswer(requestText: string, prompt: string, maxTokens: number, thinkingBudget: number): AnswerPlan {
  const size = answerSize(requestText, prompt, maxTokens, thinkingBudget);
  return {
    seed: size.seed,
    inputTokens: size.inputTokens,
    thinking: size.thinkingTokens > 0 ? generateTokens(size.seed ^ 0x5bd1e995, size.thinkingTokens) : [],
    text: generateTokens(size.seed, size.textTokens),
    truncated: size.truncated,
  };
}

type ContentLike = string | ReadonlyArray<{ type?: unknown; text?: unknown; content?: unknown }> | unknown;

/** The text of a message's content, whether a string or an array of blocks. */
export function contentText(content: ContentLike): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const block of content) {
    if (block && typeof block === 'object') {
      const b = block as { text?: unknown; content?: unknown };
      if (typeof b.text === 'string') out += `${b.text}\n`;
      else if (b.content !== undefined) out += `${contentText(b.content)}\n`;
    }
  }
  return out;
}
