/**
 * Per-principal state: windows, shares, sketches and the standing decision. A plain JSON record of
 * bounded size (rings are capped), updated by pure functions, so the replay's in-memory map and the
 * live Durable Object hold exactly the same thing.
 */
import { anyWithinHalves, hex32 } from '../hash/simhash';
import { type Hll, hash32, hllAdd, hllEmpty } from '../hash/sketch';
import type { Action, Features, Usage } from '../types';
import { addTo, DAY, ewma, HOUR, MINUTE, pushRing, type Window } from './window';

export const RING = 24;
const SIM_RING = 16;
/** SimHash distance at or below which two prompts are near-duplicates. */
export const NEAR_DUP_BITS = 10;

export interface Standing {
  action: Action;
  until: number;
  reasons: string[];
  /**
   * Points per rule that caused it. Shadow is exact: the standing is replayed under the current modes,
   * so it holds only as far as the points of rules still in `enforce` reach its action.
   */
  points: Record<string, number>;
  since: number;
}

export interface PrincipalRecord {
  v: 1;
  id: string;
  org: string | null;
  firstSeen: number;
  lastSeen: number;
  /** Requests ever (a batch counts as its size). */
  total: number;
  reqMin: Window;
  reqHour: Window;
  reqDay: Window;
  outHour: Window;
  outDay: Window;
  outputTokens: number;
  responses: number;
  /** Exponentially weighted shares and means over recent requests. */
  cot: number;
  format: number;
  singleTurn: number;
  reasoning: number;
  logprob: number;
  nearDup: number;
  bigAsk: number;
  outPerReq: number;
  /** Exponentially weighted mean and variance of log inter-arrival gaps (timing regularity). */
  gapMean: number;
  gapVar: number;
  gaps: number;
  sims: string[];
  prefixes: number[];
  suffixes: number[];
  templates: number[];
  topics: number[];
  networks: number[];
  endUsers: Hll;
  standing: Standing | null;
  /** How many times a standing stop has started (escalation). */
  stops: number;
  challengesPassed: number;
  clearedUntil: number;
  /** Nonces of challenges already solved: a solution is single-use. */
  usedChallenges?: string[];
}

export function newPrincipal(id: string, now: number): PrincipalRecord {
  return {
    v: 1,
    id,
    org: null,
    firstSeen: now,
    lastSeen: now,
    total: 0,
    reqMin: MINUTE(),
    reqHour: HOUR(),
    reqDay: DAY(),
    outHour: HOUR(),
    outDay: DAY(),
    outputTokens: 0,
    responses: 0,
    cot: 0,
    format: 0,
    singleTurn: 0,
    reasoning: 0,
    logprob: 0,
    nearDup: 0,
    bigAsk: 0,
    outPerReq: 0,
    gapMean: 0,
    gapVar: 0,
    gaps: 0,
    sims: [],
    prefixes: [],
    suffixes: [],
    templates: [],
    topics: [],
    networks: [],
    endUsers: hllEmpty(),
    standing: null,
    stops: 0,
    challengesPassed: 0,
    clearedUntil: 0,
  };
}

/**
 * Each record's `sims` ring parsed to numbers, beside the record (which stays plain JSON): the near-
 * duplicate test parsed 16 hex strings on every request, now each entry once. Only `observeRequest`
 * pushes to the ring, and does so to both; a ring that no longer matches (a record read anew) is
 * parsed again.
 */
interface SimHalves {
  his: number[];
  los: number[];
  last: string | undefined;
}
const simHalves = new WeakMap<string[], SimHalves>();

function simHalvesOf(sims: string[]): SimHalves {
  let h = simHalves.get(sims);
  const last = sims[sims.length - 1];
  if (!h || h.his.length !== sims.length || h.last !== last) {
    h = { his: sims.map((s) => hex32(s, 0)), los: sims.map((s) => hex32(s, 8)), last };
    simHalves.set(sims, h);
  }
  return h;
}

function clusterId(f: Features, kind: string): number {
  const ref = f.clusters.find((c) => c.kind === kind);
  return ref ? hash32(ref.key, 0) : 0;
}

/** A request asking for a long answer: max_tokens or thinking >= 2048, or high reasoning effort. */
export function isBigAsk(f: Pick<Features, 'maxTokens' | 'thinkingBudget' | 'reasoningEffort'>): boolean {
  return f.maxTokens >= 2048 || f.thinkingBudget >= 2048 || f.reasoningEffort >= 3;
}

/** Fold one request into the record. Call before `decide` so a request counts toward its own verdict. */
export function observeRequest(rec: PrincipalRecord, f: Features, now: number): void {
  const weight = Math.max(1, f.batchSize);
  if (rec.total > 0 && now >= rec.lastSeen) {
    const gap = Math.log1p(Math.max(0, now - rec.lastSeen) / 1000);
    rec.gaps = Math.min(rec.gaps + 1, 1000);
    const delta = gap - rec.gapMean;
    rec.gapMean = ewma(rec.gapMean, gap, rec.gaps, 1 / 16);
    rec.gapVar = ewma(rec.gapVar, delta * delta, rec.gaps, 1 / 16);
  }
  rec.total += weight;
  rec.lastSeen = Math.max(rec.lastSeen, now);
  if (f.org) rec.org = f.org;
  addTo(rec.reqMin, now, weight);
  addTo(rec.reqHour, now, weight);
  addTo(rec.reqDay, now, weight);

  const n = Math.min(rec.total, 10_000);
  rec.cot = ewma(rec.cot, f.cot, n);
  rec.format = ewma(rec.format, f.formatWrapper, n);
  rec.singleTurn = ewma(rec.singleTurn, f.turns <= 1 && f.toolResults === 0 ? 1 : 0, n);
  rec.reasoning = ewma(rec.reasoning, f.thinkingBudget >= 1024 || f.reasoningEffort >= 2 ? 1 : 0, n);
  rec.logprob = ewma(rec.logprob, f.logprobs || f.logitBias || f.n > 1 ? 1 : 0, n);
  rec.bigAsk = ewma(rec.bigAsk, isBigAsk(f) ? 1 : 0, n);

  const ring = simHalvesOf(rec.sims);
  const hi = hex32(f.simhash, 0);
  const lo = hex32(f.simhash, 8);
  if (rec.sims.length > 0) rec.nearDup = ewma(rec.nearDup, anyWithinHalves(ring.his, ring.los, hi, lo, NEAR_DUP_BITS) ? 1 : 0, n);
  pushRing(rec.sims, f.simhash, SIM_RING);
  pushRing(ring.his, hi, SIM_RING);
  pushRing(ring.los, lo, SIM_RING);
  ring.last = f.simhash;
  pushRing(rec.prefixes, clusterId(f, 'prefix'), RING);
  pushRing(rec.suffixes, clusterId(f, 'suffix'), RING);
  pushRing(rec.templates, clusterId(f, 'template'), RING);
  pushRing(rec.topics, f.topic, RING);
  pushRing(rec.networks, hash32(f.network, 0), RING);
  if (f.endUser) hllAdd(rec.endUsers, hash32(f.endUser, 0x51ed));
}

/** Fold what the origin reported (or what was estimated from the stream) into the record. */
export function observeUsage(rec: PrincipalRecord, usage: Usage, now: number): void {
  const out = Math.max(0, usage.outputTokens);
  rec.outputTokens += out;
  rec.responses = Math.min(rec.responses + 1, 10_000);
  addTo(rec.outHour, now, out);
  addTo(rec.outDay, now, out);
  rec.outPerReq = ewma(rec.outPerReq, out, rec.responses);
}
