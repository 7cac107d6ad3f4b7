/**
 * The per-request step on a principal's record: what its Durable Object (`principal-state.ts`) runs
 * on the stored record and what a mirror (src/guard/mirror.ts) runs on its copy, with the shapes of
 * the object's calls. Pure: no storage, no Workers APIs.
 */
import type { DecideResult, ListHit } from '../engine/decide';
import { observeAndDecide } from '../engine/pipeline';
import type { CompiledRuleSet } from '../engine/rules/compile';
import type { ClusterSighting } from '../engine/signals';
import type { ClusterObservation } from '../engine/state/cluster';
import { observeUsage, type PrincipalRecord, type Standing } from '../engine/state/principal';
import type { Decision, Features, UsageEntry } from '../engine/types';

export interface ObserveInput {
  features: Features;
  sightings: ClusterSighting[];
  list: ListHit | null;
  rulesVersion: number;
  now: number;
  /** A proof-of-work solution the isolate verified (signature, key, expiry, work); single use is checked here. */
  solution?: { nonce: string; clearanceMs: number } | null;
  /** Usage of this principal's earlier answers, applied before this request is observed. */
  usage?: UsageEntry[] | undefined;
  /**
   * Return the record for the isolate to mirror (src/guard/mirror.ts) when the principal keeps state and
   * sent at least this many requests in the last minute. In a batch, the last answer carries it.
   */
  mirrorFrom?: number | undefined;
}

export interface ObserveOutput {
  decision: Decision;
  observation: ClusterObservation;
  standing: Standing | null;
  /** Requests in the last minute: the isolate treats a busy, clean principal as hot. */
  perMinute: number;
  /** What became of a solution the request carried. */
  solution: 'accepted' | 'reused' | null;
  /**
   * Time this object saw pass during the call (single `observe` only). The Workers runtime, local or
   * deployed, advances the clock only across I/O, so this is the object's storage waits, not its
   * computation: what is left of the round trip is transport, queueing and computation.
   */
  tookMs?: number;
  /** The principal's record after this request, when `mirrorFrom` asked for it, and its version. */
  record?: PrincipalRecord;
  seq?: number;
  /**
   * Whether the origin has accepted this principal's key (a successful answer) at least once. Until then
   * nothing is stored for it here: the isolate counts its decisions in aggregate instead.
   */
  verified: boolean;
}

/** The object's answer to a mirrored batch (`observeMirrored`). */
export interface MirrorSync {
  /**
   * The record's version after the batch: what the isolate's copy now matches, the next batch's base
   * (null from an object of the previous version, which keeps none: its next answer brings the record).
   */
  seq: number | null;
  /** The object's record, when the isolate's copy was not the record at `base`. */
  record?: PrincipalRecord;
  /** False when the principal no longer keeps state here (a new object that never stored it). */
  mirror: boolean;
}

const USED_CHALLENGES = 32;

/** Redeem a solved challenge once: it clears the key for a while and counts (suspicion is not reset). */
export function redeem(record: PrincipalRecord, solution: { nonce: string; clearanceMs: number }, now: number): 'accepted' | 'reused' {
  record.usedChallenges ??= [];
  const used = record.usedChallenges;
  if (used.includes(solution.nonce)) return 'reused';
  used.push(solution.nonce);
  if (used.length > USED_CHALLENGES) used.splice(0, used.length - USED_CHALLENGES);
  record.clearedUntil = Math.max(record.clearedUntil, now + solution.clearanceMs);
  record.challengesPassed++;
  return 'accepted';
}

/** During a clearance a challenge (standing, listed or scored) is waived; blocks are not. */
function waiveChallenge(d: Decision, record: PrincipalRecord, now: number): Decision {
  if (d.action !== 'challenge' || record.clearedUntil <= now) return d;
  return { ...d, action: 'allow', reasons: ['challenge.cleared', ...d.reasons], until: null };
}

/**
 * What the object does with one request on its record, and what a mirror does on its copy
 * (src/guard/mirror.ts): the usage the request carries first, then observe and decide, then the
 * challenge waiver of a cleared principal.
 */
export function applyRequest(record: PrincipalRecord, input: ObserveInput, rules: CompiledRuleSet): DecideResult {
  for (const e of input.usage ?? []) observeUsage(record, e.usage, e.now);
  const result = observeAndDecide(record, input.features, input.sightings, rules, input.list, input.now);
  return { ...result, decision: waiveChallenge(result.decision, record, input.now) };
}
