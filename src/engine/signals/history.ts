import type { Signal } from './signal';

/** What already happened to this principal: stops and passed challenges escalate. */
export const history: Signal = {
  name: 'history',
  features: {
    'principal.stops': 'Times a standing stop (throttle, challenge, block) has started for this principal.',
    'principal.challengesPassed': 'Challenges this principal solved (passing does not reset suspicion).',
  },
  compute({ principal: p }, out) {
    out['principal.stops'] = p.stops;
    out['principal.challengesPassed'] = p.challengesPassed;
  },
};
