/**
 * Degrade: forward a modified request instead of refusing it — reasoning budgets removed or capped,
 * max_tokens capped, token probabilities dropped, n forced to 1 — and say what changed.
 */
import type { Evaluator } from '../engine/rules/schema';

export interface Degraded {
  body: string;
  changes: string[];
}

export function degradeBody(text: string, caps: Evaluator['degrade']): Degraded | null {
  let body: Record<string, unknown>;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    body = parsed as Record<string, unknown>;
  } catch {
    return null;
  }
  const changes: string[] = [];
  for (const field of ['max_tokens', 'max_completion_tokens', 'max_output_tokens']) {
    const v = body[field];
    if (typeof v === 'number' && v > caps.maxTokens) {
      body[field] = caps.maxTokens;
      changes.push(`${field}=${caps.maxTokens}`);
    }
  }
  const thinking = body.thinking as { type?: string; budget_tokens?: number } | undefined;
  if (thinking && typeof thinking === 'object' && thinking.type !== 'disabled') {
    if (caps.thinkingBudget < 1024) {
      delete body.thinking;
      changes.push('thinking removed');
    } else if ((thinking.budget_tokens ?? 0) > caps.thinkingBudget) {
      thinking.budget_tokens = caps.thinkingBudget;
      changes.push(`thinking.budget_tokens=${caps.thinkingBudget}`);
    }
  }
  if (typeof body.reasoning_effort === 'string' && body.reasoning_effort !== 'low' && body.reasoning_effort !== 'minimal') {
    body.reasoning_effort = 'low';
    changes.push('reasoning_effort=low');
  }
  const reasoning = body.reasoning as { effort?: string } | undefined;
  if (reasoning && typeof reasoning === 'object' && reasoning.effort && reasoning.effort !== 'low') {
    reasoning.effort = 'low';
    changes.push('reasoning.effort=low');
  }
  if (caps.dropLogprobs) {
    for (const field of ['logprobs', 'top_logprobs', 'logit_bias']) {
      if (field in body) {
        delete body[field];
        changes.push(`${field} removed`);
      }
    }
  }
  if (typeof body.n === 'number' && body.n > 1) {
    body.n = 1;
    changes.push('n=1');
  }
  return { body: JSON.stringify(body), changes };
}
