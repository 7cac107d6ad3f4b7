/**
 * Per-cluster state: who shares a fingerprint (template, frame, system prompt, tool schema, request
 * shape, client, network), how many of them are new, judged, suspect or stopped, and the campaign
 * verdict that fresh accounts inherit. Distinct counts are HyperLogLog sketches kept in two
 * generations (this window and the last), so shares describe recent traffic and memory stays bounded
 * however large a campaign is.
 */
import { type Hll, hllAdd, hllCount, hllEmpty, hllOf } from '../hash/sketch';
import type { Action, ClusterKind } from '../types';

export interface ClusterVerdict {
  action: Action;
  until: number;
  since: number;
  /** Rule ids that made its principals suspect or stopped: enforced while the leading ones are in `enforce`. */
  rules: string[];
  principals: number;
  stopped: number;
}

/**
 * One generation's sketches, each allocated on first use: most clusters (one prompt's frame) see one
 * principal once, and should cost a few bytes, not six sketches.
 */
interface Sketches {
  principals?: Hll;
  fresh?: Hll;
  /** Principals seen with enough history for their own rules to judge them. */
  judged?: Hll;
  suspects?: Hll;
  stopped?: Hll;
  /** Principals seen here when neither new nor suspect: the customers a shared fingerprint belongs to. */
  established?: Hll;
}

type SketchName = keyof Sketches;

function add(s: Sketches, name: SketchName, h: number): boolean {
  const sketch = s[name];
  if (sketch) return hllAdd(sketch, h);
  s[name] = hllOf(h);
  return true;
}

export interface ClusterRecord {
  v: 3;
  key: string;
  kind: ClusterKind;
  firstSeen: number;
  lastSeen: number;
  requests: number;
  /** Index of the current generation window (floor(ts / windowMs)). */
  gen: number;
  cur: Sketches;
  prev: Sketches;
  /** Recent mean chain-of-thought elicitation of the requests sharing this cluster. */
  cot: number;
  /** Distinct prompt templates seen here: a frame around many different questions is a wrapper. */
  templates: Hll;
  /** Rule ids behind suspect and stopped principals seen here, with counts (top 8 kept). */
  causes: Record<string, number>;
  verdict: ClusterVerdict | null;
}

// Every field present from the start, unset ones undefined: sketches gained fields in any order, so
// the code reading them saw many hidden classes (callgrind, a warm replay pass: -1.8% instructions).
const emptySketches = (): Sketches => ({
  principals: undefined,
  fresh: undefined,
  judged: undefined,
  suspects: undefined,
  stopped: undefined,
  established: undefined,
});

export function newCluster(key: string, kind: ClusterKind, now: number): ClusterRecord {
  return {
    v: 3,
    key,
    kind,
    firstSeen: now,
    lastSeen: now,
    requests: 0,
    gen: 0,
    cur: emptySketches(),
    prev: emptySketches(),
    cot: 0,
    templates: hllEmpty(),
    causes: {},
    verdict: null,
  };
}

/** What one request tells its clusters about its principal. */
export interface ClusterObservation {
  principal: string;
  /** 32-bit hash of the principal, the value its sketches count. */
  principalHash: number;
  weight: number;
  /** The principal was new when seen here. */
  fresh: boolean;
  /** The principal had enough requests for its own rules to judge it. */
  judged: boolean;
  /** The principal's own (non-cluster) would-score is high. */
  suspect: boolean;
  /** Stopped by the principal's own signals (not by a cluster verdict). */
  stopped: boolean;
  /** Own-behaviour rule ids that contributed, when suspect. */
  causes: string[];
  /** The request's chain-of-thought elicitation score. */
  cot: number;
  /** 32-bit id of the request's masked template. */
  template: number;
}

function rotate(rec: ClusterRecord, now: number, windowMs: number): boolean {
  const gen = Math.floor(now / windowMs);
  if (gen <= rec.gen) return false;
  rec.prev = gen === rec.gen + 1 ? rec.cur : emptySketches();
  rec.cur = emptySketches();
  rec.gen = gen;
  return true;
}

/**
 * Fold one request into a cluster. Returns whether a counted sketch changed: when none did, the
 * cluster's stats (`clusterStats`) at the same generation are what they were.
 */
export function observeCluster(rec: ClusterRecord, o: ClusterObservation, now: number, windowMs: number): boolean {
  const rotated = rotate(rec, now, windowMs);
  const h = o.principalHash;
  const s = rec.cur;
  rec.requests += o.weight;
  if (rec.templates.length === 0) rec.templates = hllOf(o.template);
  else hllAdd(rec.templates, o.template);
  rec.cot += Math.max(1 / Math.min(rec.requests, 64), 1 / 64) * (o.cot - rec.cot);
  rec.lastSeen = Math.max(rec.lastSeen, now);
  let changed = add(s, 'principals', h);
  if (o.fresh) changed = add(s, 'fresh', h) || changed;
  if (o.judged) changed = add(s, 'judged', h) || changed;
  if (o.suspect) {
    changed = add(s, 'suspects', h) || changed;
    let added = false;
    for (const id of o.causes) {
      // Own keys only: a rule may be named like a prototype member ("constructor").
      const count = Object.hasOwn(rec.causes, id) ? rec.causes[id] : undefined;
      if (count === undefined) added = true;
      rec.causes[id] = (count ?? 0) + 1;
    }
    // Only a new id can take the table past 8: the common repeat costs no entries array.
    if (added) {
      const entries = Object.entries(rec.causes);
      if (entries.length > 8) rec.causes = Object.fromEntries(entries.sort((a, b) => b[1] - a[1]).slice(0, 8));
    }
  }
  if (o.stopped) changed = add(s, 'stopped', h) || changed;
  if (!o.fresh && !o.suspect) changed = add(s, 'established', h) || changed;
  return changed || rotated;
}

export interface ClusterPolicy {
  kinds: ClusterKind[];
  /** Judged principals needed before stops can make a verdict. */
  minJudged: number;
  minStopped: number;
  /** Share of judged principals stopped by their own behaviour. */
  stoppedShare: number;
  /** The crowd test: many principals, nearly all new, nearly all judged ones suspect. */
  crowd: { minPrincipals: number; freshShare: number; suspectShare: number };
  action: Action;
  ttlMs: number;
  /** Generation window: shares describe the principals seen in the last one to two windows. */
  windowMs: number;
  /**
   * Prompt-text clusters must be wrappers to become a campaign: a frame (prefix, suffix) around at least
   * this many different questions, or a whole template that elicits reasoning (mean cot >= textMinCot).
   * Otherwise a campaign's cover traffic, copied from public prompts, would condemn everyone using them.
   */
  frameMinTemplates: number;
  textMinCot: number;
  /**
   * Established customers that veto a verdict: a fingerprint that several long-standing, clean
   * principals share (the default request shape of an SDK, a product's system prompt) is theirs, not a
   * campaign's, however many campaign accounts also use it.
   */
  vetoEstablished: number;
}

function isWrapper(rec: ClusterRecord, policy: ClusterPolicy): boolean {
  if (rec.kind === 'prefix' || rec.kind === 'suffix') return hllCount(rec.templates) >= policy.frameMinTemplates;
  if (rec.kind === 'template') return rec.cot >= policy.textMinCot;
  return true;
}

export interface ClusterStats {
  principals: number;
  fresh: number;
  judged: number;
  suspects: number;
  stopped: number;
  established: number;
}

/** One sketch's distinct count over this generation and the last, as seen at `now`. */
function countOf(rec: ClusterRecord, name: SketchName, gen: number): number {
  if (gen > rec.gen + 1) return 0;
  const cur = gen === rec.gen + 1 ? undefined : rec.cur[name];
  const prev = gen === rec.gen + 1 ? rec.cur[name] : rec.prev[name];
  if (!cur || !prev) return cur || prev ? hllCount((cur ?? prev) as Hll) : 0;
  return hllCount(cur, prev);
}

/** Distinct principals recently seen here: the cheap test before the full stats. */
export function principalsCount(rec: ClusterRecord, now: number, windowMs: number): number {
  return countOf(rec, 'principals', Math.floor(now / windowMs));
}

export function clusterStats(rec: ClusterRecord, now: number, windowMs: number): ClusterStats {
  const gen = Math.floor(now / windowMs);
  return {
    principals: countOf(rec, 'principals', gen),
    fresh: countOf(rec, 'fresh', gen),
    judged: countOf(rec, 'judged', gen),
    suspects: countOf(rec, 'suspects', gen),
    stopped: countOf(rec, 'stopped', gen),
    established: countOf(rec, 'established', gen),
  };
}

/**
 * A cluster becomes a known campaign when most of the recently judged principals sharing it were
 * stopped by their own behaviour, or when it is a crowd of new, suspect principals. Principals stopped
 * by the verdict itself are never judged, so a verdict cannot feed on its own stops. It is renewed
 * while that holds and lapses after its TTL otherwise.
 */
export function updateVerdict(rec: ClusterRecord, policy: ClusterPolicy, now: number, s: ClusterStats): ClusterVerdict | null {
  if (rec.verdict && rec.verdict.until <= now) rec.verdict = null;
  if (!policy.kinds.includes(rec.kind)) return rec.verdict;
  if (!isWrapper(rec, policy)) return rec.verdict;
  if (s.established >= policy.vetoEstablished) return rec.verdict;
  const judged = Math.max(1, s.judged);
  const stopped = Math.min(s.stopped, judged);
  const byStops = s.judged >= policy.minJudged && stopped >= policy.minStopped && stopped / judged >= policy.stoppedShare;
  const c = policy.crowd;
  const byCrowd =
    s.principals >= c.minPrincipals &&
    s.judged >= policy.minJudged &&
    s.fresh / Math.max(1, s.principals) >= c.freshShare &&
    Math.min(s.suspects, judged) / judged >= c.suspectShare;
  if (byStops || byCrowd) {
    const rules = Object.entries(rec.causes)
      .sort((a, b) => b[1] - a[1])
      .map(([id]) => id);
    rec.verdict = {
      action: policy.action,
      until: now + policy.ttlMs,
      since: rec.verdict?.since ?? now,
      rules,
      principals: s.principals,
      stopped,
    };
  }
  return rec.verdict;
}
