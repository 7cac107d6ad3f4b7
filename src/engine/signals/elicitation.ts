import type { Signal } from './signal';

/** Asking for the reasoning itself, or wrapping questions in grading scaffolds. */
export const elicitation: Signal = {
  name: 'elicitation',
  features: {
    'request.cot': '0..1: this prompt asks for step-by-step reasoning (many phrasings and languages, tags like <reasoning>).',
    'request.format': '0..1: answer-format scaffolding (Final answer:, \\boxed, lettered choices, output formats).',
    'principal.cotShare': 'Recent mean of request.cot for this principal.',
    'principal.formatShare': 'Recent mean of request.format for this principal.',
  },
  compute({ features: f, principal: p }, out) {
    out['request.cot'] = f.cot;
    out['request.format'] = f.formatWrapper;
    out['principal.cotShare'] = p.cot;
    out['principal.formatShare'] = p.format;
  },
};
