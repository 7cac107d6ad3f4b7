/** Reading untrusted JSON values without trusting their types. */
import type { Usage } from './types';

export type JsonObject = { [key: string]: unknown };

export function asObject(v: unknown): JsonObject | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : null;
}

export function finiteNumber(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** `usage` in either vendor's names (input/output tokens, or prompt/completion tokens). */
export function usageOf(u: unknown): Partial<Usage> {
  const o = asObject(u);
  if (!o) return {};
  const out: Partial<Usage> = {};
  const input = finiteNumber(o.input_tokens) ?? finiteNumber(o.prompt_tokens);
  const output = finiteNumber(o.output_tokens) ?? finiteNumber(o.completion_tokens);
  if (input !== null) out.inputTokens = input;
  if (output !== null) out.outputTokens = output;
  return out;
}
