/**
 * The steps both shells run for one request, in order: observe the request into its principal, decide,
 * then tell its clusters. The replay calls them on in-memory records; the live Worker calls the first
 * two inside the principal's Durable Object and the last from `waitUntil`.
 */

import { type DecideResult, decide, type ListHit } from './decide';
import { hash32 } from './hash/sketch';
import type { CompiledRuleSet } from './rules/compile';
import type { ClusterSighting } from './signals';
import type { ClusterObservation } from './state/cluster';
import { observeRequest, type PrincipalRecord } from './state/principal';
import type { Features } from './types';

export function observeAndDecide(
  principal: PrincipalRecord,
  features: Features,
  sightings: ClusterSighting[],
  rules: CompiledRuleSet,
  list: ListHit | null,
  now: number,
): DecideResult {
  const isNew = principal.total === 0;
  observeRequest(principal, features, now);
  if (isNew) principal.firstSeen = now;
  return decide({ features, principal, clusters: sightings, rules, list, now });
}

/** What this request tells each of its clusters. */
export function clusterObservation(
  features: Features,
  result: DecideResult,
  principal: PrincipalRecord,
  rules: CompiledRuleSet,
  now: number,
): ClusterObservation {
  return {
    principal: principal.id,
    principalHash: hash32(principal.id, 0xc1),
    weight: Math.max(1, features.batchSize),
    fresh: now - principal.firstSeen < rules.freshAgeMs,
    // Stopped by its own rules means judged by them, however few requests it took.
    judged: principal.total >= rules.judgedAfter || result.stoppedBy !== null,
    suspect: result.ownScore >= rules.suspectScore,
    stopped: result.stoppedBy !== null,
    causes: result.ownScore >= rules.suspectScore ? result.ownRules : [],
    cot: features.cot,
    template: hash32(features.templateHash, 0x7e),
  };
}
