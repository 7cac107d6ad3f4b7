import { distinctCount, topCount } from '../state/window';
import { b, type Signal } from './signal';

/** Top share among framed prompts, scaled by how many recent prompts had a frame at all (0 = none). */
function framedShare(ring: readonly number[]): number {
  return ring.length === 0 ? 0 : topCount(ring, 0) / ring.length;
}

/**
 * The shape of a principal's traffic: one-shot questions or conversations, one template or many,
 * near-duplicates, and how many unrelated domains it covers (a distiller wants breadth; an app is narrow).
 */
export const shape: Signal = {
  name: 'shape',
  features: {
    'request.singleTurn': '1 when the request is one user turn with no tool results.',
    'request.turns': 'User turns in the conversation.',
    'request.tools': 'Tools offered.',
    'request.toolResults': 'Tool results carried (agent trajectories).',
    'request.hasSystem': '1 when a system prompt / instructions are sent.',
    'request.promptChars': 'Characters in the last user turn.',
    'principal.singleTurnShare': 'Recent share of single-turn requests.',
    'principal.prefixTopShare': 'Share of the most common prompt prefix frame among the last 24 prompts.',
    'principal.suffixTopShare': 'Share of the most common prompt suffix frame among the last 24 prompts.',
    'principal.templateTopShare': 'Share of the most common masked template among the last 24 prompts.',
    'principal.nearDupRate': 'Recent share of prompts within a few SimHash bits of one of the previous 16.',
    'principal.topicSpread': 'Distinct topic domains among the last 24 prompts (0..15).',
    'principal.recentPrompts': 'Prompts in the recent rings (up to 24): how much the shares above rest on.',
  },
  compute({ features: f, principal: p }, out) {
    out['request.singleTurn'] = b(f.turns <= 1 && f.toolResults === 0);
    out['request.turns'] = f.turns;
    out['request.tools'] = f.tools;
    out['request.toolResults'] = f.toolResults;
    out['request.hasSystem'] = b(f.hasSystem);
    out['request.promptChars'] = f.promptChars;
    out['principal.singleTurnShare'] = p.singleTurn;
    out['principal.prefixTopShare'] = framedShare(p.prefixes);
    out['principal.suffixTopShare'] = framedShare(p.suffixes);
    out['principal.templateTopShare'] = framedShare(p.templates);
    out['principal.nearDupRate'] = p.nearDup;
    out['principal.topicSpread'] = distinctCount(p.topics, 0);
    out['principal.recentPrompts'] = p.topics.length;
  },
};
