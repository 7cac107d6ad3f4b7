/**
 * What a request body asks for, across the Anthropic and OpenAI request shapes. The walk over the
 * parsed JSON is bounded (messages, blocks and characters), so no body can make it slow.
 */
import { asObject, finiteNumber } from '../json';
import type { ApiSurface } from '../surface';
import type { RequestAsks } from '../types';
import { flatJoin } from './text';

export const MAX_MESSAGES = 256;
export const MAX_BLOCKS = 64;
const MAX_TEXT = 16_000;
const BATCH_SAMPLE = 8;

export interface BodySummary extends RequestAsks {
  unparseable: boolean;
  /** Tool names and parameter names, sorted: what a shared agent scaffold has in common. */
  toolSchema: string;
  system: string;
  /** The last user turn's text (bounded). */
  prompt: string;
  endUser: string | null;
  /** For a batch: the prompts of a sample of its requests after the first. */
  morePrompts: string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

const EFFORT: Record<string, number> = { minimal: 1, low: 1, medium: 2, high: 3 };

const obj = (v: unknown) => asObject(v) as Obj | null;
const num = (v: unknown, fallback = 0): number => finiteNumber(v) ?? fallback;
function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** Text of a content value: a string, or blocks with `text` / nested `content` (bounded). */
export function textOf(content: unknown, budget = MAX_TEXT, depth = 0): string {
  if (typeof content === 'string') return content.length > budget ? content.slice(0, budget) : content;
  if (!Array.isArray(content) || depth > 3) return '';
  const parts: string[] = [];
  let length = 0; // of the parts joined
  for (let i = 0; i < content.length && i < MAX_BLOCKS && length < budget; i++) {
    const b = obj(content[i]);
    if (!b) continue;
    const t = str(b.text) ?? str(b.input_text) ?? (b.content !== undefined ? textOf(b.content, budget - length, depth + 1) : '');
    if (t) {
      length += (parts.length > 0 ? 1 : 0) + t.length;
      parts.push(t);
    }
  }
  const out = flatJoin(parts, '\n'); // flat, for the scanners that read it (see flatJoin)
  return out.length > budget ? out.slice(0, budget) : out;
}

function countToolResults(content: unknown): number {
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (let i = 0; i < content.length && i < MAX_BLOCKS; i++) if (obj(content[i])?.type === 'tool_result') n++;
  return n;
}

function toolSchema(tools: unknown): { count: number; schema: string } {
  if (!Array.isArray(tools)) return { count: 0, schema: '' };
  const parts: string[] = [];
  for (let i = 0; i < tools.length && i < MAX_BLOCKS; i++) {
    const t = obj(tools[i]);
    if (!t) continue;
    const fn = obj(t.function) ?? t;
    const params = obj(fn.parameters) ?? obj(fn.input_schema);
    const props = obj(params?.properties);
    parts.push(`${str(fn.name) ?? str(t.type) ?? '?'}(${props ? Object.keys(props).sort().join(',') : ''})`);
  }
  return { count: tools.length, schema: parts.sort().join(';') };
}

function emptySummary(unparseable: boolean): BodySummary {
  return {
    unparseable,
    model: null,
    maxTokens: 0,
    thinkingBudget: 0,
    reasoningEffort: 0,
    logprobs: false,
    topLogprobs: 0,
    logitBias: false,
    n: 1,
    temperature: null,
    stream: false,
    tools: 0,
    toolSchema: '',
    toolResults: 0,
    system: '',
    turns: 0,
    prompt: '',
    endUser: null,
    batchSize: 1,
    morePrompts: [],
  };
}

function thinkingBudget(thinking: Obj | null): number {
  if (!thinking) return 0;
  if (thinking.type === 'enabled') return num(thinking.budget_tokens, 1024);
  if (thinking.type === 'adaptive') return 4096;
  return 0;
}

/** Walk a messages array (either vendor): turns, tool results, system text, the last user prompt. */
function conversation(messages: unknown, s: BodySummary): void {
  if (!Array.isArray(messages)) return;
  const n = Math.min(messages.length, MAX_MESSAGES);
  // The last user turn is what a harvester is after; earlier turns only count.
  for (let i = 0; i < n; i++) {
    const m = obj(messages[i]);
    if (!m) continue;
    const role = str(m.role) ?? (m.type === 'function_call_output' ? 'tool' : 'user');
    if (role === 'user') {
      s.turns++;
      s.toolResults += countToolResults(m.content);
    } else if (role === 'tool' || m.type === 'function_call_output') {
      s.toolResults++;
    } else if ((role === 'system' || role === 'developer') && s.system.length < MAX_TEXT) {
      s.system += textOf(m.content);
    }
  }
  for (let i = messages.length - 1; i >= 0 && i >= messages.length - MAX_MESSAGES; i--) {
    const m = obj(messages[i]);
    if (m && (m.role === 'user' || (m.role === undefined && m.content !== undefined))) {
      s.prompt = textOf(m.content);
      break;
    }
  }
  if (messages.length > MAX_MESSAGES) s.turns += Math.floor((messages.length - MAX_MESSAGES) / 2);
}

function summarizeParams(b: Obj, surface: ApiSurface): BodySummary {
  const s = emptySummary(false);
  s.model = str(b.model);
  s.maxTokens = num(b.max_tokens ?? b.max_completion_tokens ?? b.max_output_tokens);
  s.thinkingBudget = thinkingBudget(obj(b.thinking));
  const effort = str(b.reasoning_effort) ?? str(obj(b.reasoning)?.effort);
  s.reasoningEffort = effort ? (EFFORT[effort] ?? 0) : 0;
  s.logprobs = b.logprobs === true || (typeof b.logprobs === 'number' && b.logprobs > 0) || b.top_logprobs !== undefined;
  s.topLogprobs = num(b.top_logprobs, typeof b.logprobs === 'number' ? b.logprobs : 0);
  s.logitBias = obj(b.logit_bias) !== null && Object.keys(obj(b.logit_bias) ?? {}).length > 0;
  s.n = Math.max(1, Math.floor(num(b.n, 1)));
  s.temperature = typeof b.temperature === 'number' ? b.temperature : null;
  s.stream = b.stream === true;
  const tools = toolSchema(b.tools ?? b.functions);
  s.tools = tools.count;
  s.toolSchema = tools.schema;
  s.system = textOf(b.system ?? b.instructions);
  const meta = obj(b.metadata);
  s.endUser = str(meta?.user_id) ?? str(b.user) ?? str(b.safety_identifier) ?? null;
  if (surface === 'openai.responses' && typeof b.input === 'string') {
    s.turns = 1;
    s.prompt = textOf(b.input);
  } else if (surface === 'openai.completions') {
    s.turns = 1;
    s.prompt = textOf(Array.isArray(b.prompt) ? b.prompt[0] : b.prompt);
  } else {
    conversation(b.messages ?? b.input, s);
  }
  return s;
}

/** Parse and summarise; a body that is not JSON still yields a summary (`unparseable` is a signal). */
export function summarizeBody(body: string, surface: ApiSurface): BodySummary {
  if (body.length === 0) return emptySummary(false);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const s = emptySummary(true);
    // A truncated or malformed body is still read for its words, so it cannot hide a wrapper.
    s.prompt = body.slice(0, MAX_TEXT);
    return s;
  }
  const b = obj(parsed);
  if (!b) return emptySummary(true);
  if (surface === 'anthropic.batches' && Array.isArray(b.requests)) {
    const requests = b.requests;
    const first = obj(obj(requests[0])?.params);
    const s = first ? summarizeParams(first, 'anthropic.messages') : emptySummary(true);
    s.batchSize = requests.length;
    for (let i = 1; i < requests.length && s.morePrompts.length < BATCH_SAMPLE - 1; i++) {
      const p = obj(obj(requests[i])?.params);
      if (p) s.morePrompts.push(summarizeParams(p, 'anthropic.messages').prompt);
    }
    return s;
  }
  return summarizeParams(b, surface);
}
