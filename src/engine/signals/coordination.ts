import type { ClusterKind } from '../types';
import type { Signal } from './signal';

const CONTENT: ReadonlySet<ClusterKind> = new Set(['prefix', 'suffix', 'template', 'system', 'tools']);
const SOFTWARE: ReadonlySet<ClusterKind> = new Set(['shape', 'client']);

/**
 * Campaigns across accounts: the request shares a fingerprint with a known campaign (a cluster verdict),
 * or with many principals that are new or suspect. Network clusters never carry a verdict here:
 * locally every request comes from one address, and a shared proxy must not condemn its users.
 */
export const coordination: Signal = {
  name: 'coordination',
  features: {
    'cluster.verdict.content':
      'Known campaigns (enforced verdicts) among this request\u2019s prompt-frame, template, system-prompt and tool-schema clusters.',
    'cluster.verdict.software': 'Known campaigns among this request\u2019s request-shape and client (TLS + user agent) clusters.',
    'cluster.maxPrincipals': 'Most distinct principals in any one of this request\u2019s content clusters.',
    'cluster.maxSuspectShare': 'Highest share of suspect principals in a content cluster with at least 5 principals.',
    'cluster.maxFreshShare': 'Highest share of new principals in a content cluster with at least 5 principals.',
  },
  compute({ clusters }, out) {
    let content = 0;
    let software = 0;
    let maxPrincipals = 0;
    let suspect = 0;
    let fresh = 0;
    for (const c of clusters) {
      const enforced = c.verdict !== null && c.verdictEnforced;
      if (enforced && CONTENT.has(c.kind)) content++;
      if (enforced && SOFTWARE.has(c.kind)) software++;
      if (!CONTENT.has(c.kind)) continue;
      maxPrincipals = Math.max(maxPrincipals, c.stats.principals);
      if (c.stats.principals >= 5) {
        suspect = Math.max(suspect, Math.min(1, c.stats.suspects / c.stats.principals));
        fresh = Math.max(fresh, Math.min(1, c.stats.fresh / c.stats.principals));
      }
    }
    out['cluster.verdict.content'] = content;
    out['cluster.verdict.software'] = software;
    out['cluster.maxPrincipals'] = maxPrincipals;
    out['cluster.maxSuspectShare'] = suspect;
    out['cluster.maxFreshShare'] = fresh;
  },
};
