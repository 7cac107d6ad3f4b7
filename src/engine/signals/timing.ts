import type { Signal } from './signal';

/** Machine-regular timing: scripts send at steady intervals; people and apps are bursty. */
export const timing: Signal = {
  name: 'timing',
  features: {
    'principal.gapSpread': 'Standard deviation of log inter-arrival gaps (low = metronome-regular).',
    'principal.gaps': 'Inter-arrival gaps observed (caps at 1000).',
  },
  compute({ principal: p }, out) {
    out['principal.gapSpread'] = Math.sqrt(Math.max(0, p.gapVar));
    out['principal.gaps'] = p.gaps;
  },
};
