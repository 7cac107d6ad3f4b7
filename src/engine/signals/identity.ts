import { hllCount } from '../hash/sketch';
import { distinctCount } from '../state/window';
import { b, type Signal } from './signal';

/** Who is behind the traffic: account age, network churn, client software, end users. */
export const identity: Signal = {
  name: 'identity',
  features: {
    'principal.ageMinutes': 'Minutes since this principal was first seen.',
    'principal.networkChurn': 'Distinct networks (IP /24 or /48, hashed) among the last 24 requests, divided by their number.',
    'principal.networks': 'Distinct networks among the last 24 requests.',
    'principal.endUsers': 'Distinct end users (metadata.user_id / user) this principal passed (estimate).',
    'request.hasEndUser': '1 when the request names an end user.',
    'request.sdkOfficial': '1 when official SDK headers (x-stainless-*) are present.',
    'request.sdkMismatch': '1 when the user agent and the SDK headers disagree.',
    'request.unparseable': '1 when the body is not valid JSON (or was cut at INSPECT_BYTES mid-value).',
    'request.noKey': '1 when the request carries no API key.',
    'request.hasOrg': '1 when the organization is known (trusted header or learned from the origin).',
  },
  compute({ features: f, principal: p, now }, out) {
    out['principal.ageMinutes'] = Math.max(0, (now - p.firstSeen) / 60_000);
    const nets = distinctCount(p.networks);
    out['principal.networks'] = nets;
    out['principal.networkChurn'] = p.networks.length === 0 ? 0 : nets / p.networks.length;
    out['principal.endUsers'] = hllCount(p.endUsers);
    out['request.hasEndUser'] = b(f.endUser !== null);
    out['request.sdkOfficial'] = b(f.sdkOfficial);
    out['request.sdkMismatch'] = b(f.sdkMismatch);
    out['request.unparseable'] = b(f.unparseable);
    out['request.noKey'] = b(f.keyHash === null);
    out['request.hasOrg'] = b(f.org !== null);
  },
};
