import { sumOf } from '../state/window';
import type { Signal } from './signal';

/** How much a principal asks and receives: requests and output tokens per minute, hour and day. */
export const volume: Signal = {
  name: 'volume',
  features: {
    'principal.requests.1m': 'Requests in the last minute (a batch counts as its size).',
    'principal.requests.1h': 'Requests in the last hour.',
    'principal.requests.1d': 'Requests in the last day.',
    'principal.requests.total': 'Requests ever seen from this principal.',
    'principal.outputTokens.1h': 'Output tokens served in the last hour (from usage, or estimated from the stream).',
    'principal.outputTokens.1d': 'Output tokens served in the last day.',
    'request.batchSize': 'Requests carried by this call (Message Batches carry many).',
  },
  compute({ principal: p, features: f, now }, out) {
    out['principal.requests.1m'] = sumOf(p.reqMin, now);
    out['principal.requests.1h'] = sumOf(p.reqHour, now);
    out['principal.requests.1d'] = sumOf(p.reqDay, now);
    out['principal.requests.total'] = p.total;
    out['principal.outputTokens.1h'] = sumOf(p.outHour, now);
    out['principal.outputTokens.1d'] = sumOf(p.outDay, now);
    out['request.batchSize'] = f.batchSize;
  },
};
