import { isBigAsk } from '../state/principal';
import { b, type Signal } from './signal';

/** Asking for more of what a distiller wants: reasoning tokens, long answers, token probabilities. */
export const harvest: Signal = {
  name: 'harvest',
  features: {
    'request.thinkingBudget': 'Anthropic `thinking.budget_tokens` (adaptive counts as 4096).',
    'request.reasoningEffort': 'OpenAI reasoning effort: 0 none, 1 minimal/low, 2 medium, 3 high.',
    'request.maxTokens': 'Requested output cap (max_tokens / max_completion_tokens / max_output_tokens).',
    'request.bigAsk': '1 when max_tokens >= 2048, thinking >= 2048 or reasoning effort high.',
    'request.logprobs': '1 when logprobs or top_logprobs are asked.',
    'request.topLogprobs': 'top_logprobs asked.',
    'request.logitBias': '1 when a non-empty logit_bias is sent.',
    'request.n': 'Completions asked per request.',
    'request.greedy': '1 when temperature is 0 (benchmark harnesses decode greedily).',
    'request.reasoningAsk': '1 when thinking >= 4000 or reasoning effort is high.',
    'principal.reasoningShare': 'Recent share of requests asking thinking >= 1024 or reasoning effort >= medium.',
    'principal.logprobShare': 'Recent share of requests asking logprobs, logit_bias or n > 1.',
    'principal.bigAskShare': 'Recent share of request.bigAsk.',
    'principal.outPerRequest': 'Recent mean output tokens per answered request.',
  },
  compute({ features: f, principal: p }, out) {
    out['request.thinkingBudget'] = f.thinkingBudget;
    out['request.reasoningEffort'] = f.reasoningEffort;
    out['request.maxTokens'] = f.maxTokens;
    out['request.bigAsk'] = b(isBigAsk(f));
    out['request.logprobs'] = b(f.logprobs);
    out['request.topLogprobs'] = f.topLogprobs;
    out['request.logitBias'] = b(f.logitBias);
    out['request.n'] = f.n;
    out['request.greedy'] = b(f.temperature === 0);
    out['request.reasoningAsk'] = b(f.thinkingBudget >= 4000 || f.reasoningEffort >= 3);
    out['principal.reasoningShare'] = p.reasoning;
    out['principal.logprobShare'] = p.logprob;
    out['principal.bigAskShare'] = p.bigAsk;
    out['principal.outPerRequest'] = p.outPerReq;
  },
};
