/**
 * Mirrored principals: a busy principal's record, copied into the isolate, so its requests are decided
 * here by the same engine step its Durable Object runs, with no awaited round trip. Every request is
 * still sent to the object, in order, in one `observeMirrored` per window, with the version of the
 * record the copy started from. When anything else changed the record meanwhile (another isolate, a
 * usage call, a new object), the answer carries the object's record, which replaces the mirror (with
 * the requests sent since re-applied on top), so traffic the key sends through other isolates reaches
 * this one within a window; otherwise the copy already is the object's record. A mirror lapses after
 * MIRROR_TTL_MS without an answer, on a rule-set change, or when a batch fails: the next request then
 * waits for the object again.
 *
 * Only principals whose key the origin has accepted are mirrored (their objects keep state), and only
 * from HOT_PER_MINUTE requests a minute: a key sending once a minute gains nothing from a copy.
 *
 * A batch leaves after one window (MIRROR_BATCH_MS) when it is full (FULL_BATCH requests) or holds a
 * stop; otherwise it stays open, a window at a time, up to MIRROR_BATCH_MAX_MS. A key sending every
 * second or so sent a batch of one per request with a 250 ms window: a Durable Object request each
 * (billed; the flush alone was ~56 µs of the isolate's CPU a request in a profile of local workerd,
 * BENCHMARKS.md, stop 27). A stop is not held: its object must hold it (and write it) before the key
 * reaches another isolate.
 */

import { observeUsage, type PrincipalRecord } from '../engine/state/principal';
import type { UsageEntry } from '../engine/types';
import type { MirrorSync, ObserveInput } from '../state/principal-step';
import { holdOpen } from './keyed-batch';

export const MIRROR_TTL_MS = 10_000;
/** How long after its copy lapsed a principal's concurrent requests still wait for one awaited call. */
const REJOIN_MS = 60_000;
/** A batch holding this many requests leaves at the end of its first window. */
const FULL_BATCH = 16;
const MIRROR_LIMIT = 2_000;
/** Requests waiting for a slow object: beyond this the mirror lapses and requests wait for the object. */
const QUEUE_LIMIT = 1_000;

export interface Mirror {
  record: PrincipalRecord;
  /** The object's version of the record this copy equals once the queue is applied: the next batch's base. */
  seq: number | null;
  until: number;
  rulesVersion: number;
  /** Requests decided here and not yet sent to the object, in order. */
  queue: ObserveInput[];
  /** A batch is waiting for its window or for the object's answer. */
  flushing: boolean;
  /** The queue holds a stop: its batch leaves at the end of the current window. */
  urgent: boolean;
}

const mirrors = new Map<string, Mirror>();
/** Awaited calls that will bring a lapsed copy back, by principal: each settles with its failure or null. */
const rejoins = new Map<string, Promise<unknown>>();

export function mirrorOf(principal: string, now: number, rulesVersion: number): Mirror | null {
  const m = mirrors.get(principal);
  return m && m.until > now && m.rulesVersion === rulesVersion ? m : null;
}

/**
 * A burst from a principal whose copy lapsed (quiet for MIRROR_TTL_MS, or a new rule set): the first
 * request's awaited call brings the record back, and the requests that arrive meanwhile wait for that
 * call and are decided on the new copy, instead of each waiting for an awaited call of its own. Only
 * for principals mirrored within REJOIN_MS, whose object will most likely answer with the record: for
 * others, waiting would add a round trip. Returns the function the awaited call settles with its
 * failure (null: it answered), or null when the call is not a rejoin.
 */
export function startRejoin(principal: string, now: number): ((failure: unknown) => void) | null {
  const m = mirrors.get(principal);
  if (!m || m.until <= now - REJOIN_MS || rejoins.has(principal)) return null;
  let settle: (failure: unknown) => void = () => {};
  rejoins.set(
    principal,
    new Promise<unknown>((resolve) => {
      settle = resolve;
    }),
  );
  return (failure) => {
    rejoins.delete(principal);
    settle(failure);
  };
}

/**
 * The rejoin in flight for this principal, if any: a request with no copy waits for it, then decides
 * on the copy it brought. It settles with the call's failure, which the waiting request shares: the
 * object did not answer, and a second wait of STATE_TIMEOUT_MS would not make it more likely to.
 */
export function rejoinOf(principal: string): Promise<unknown> | undefined {
  return rejoins.get(principal);
}

/** Take the object's record as this isolate's mirror (after an awaited call that returned one). */
export function adoptMirror(principal: string, record: PrincipalRecord, seq: number | null, now: number, rulesVersion: number): void {
  const m = mirrors.get(principal);
  if (m?.flushing) return; // its batch answer will bring a newer record
  if (mirrors.size >= MIRROR_LIMIT && !m) mirrors.clear();
  mirrors.set(principal, { record, seq, until: now + MIRROR_TTL_MS, rulesVersion, queue: [], flushing: false, urgent: false });
}

export function dropMirror(principal: string): void {
  mirrors.delete(principal);
}

/**
 * An answer's usage for a mirrored principal whose next batch has not left yet: applied to the copy
 * now, as the replay applies an answer before the next request, and sent with that batch (the object
 * applies a request's usage before observing it; usage and request observation touch different
 * fields, so the object's record ends the same). False when there is no such batch: the usage then
 * waits in the usage queue as before.
 */
export function attachUsage(principal: string, entry: UsageEntry): boolean {
  const m = mirrors.get(principal);
  const last = m?.queue[m.queue.length - 1];
  if (!m || !last) return false;
  observeUsage(m.record, entry.usage, entry.now);
  last.usage = [...(last.usage ?? []), entry];
  return true;
}

export interface MirrorWindow {
  /** A batch's first window, and the step it stays open by. */
  batchMs: number;
  /** How long a batch that is neither full nor holding a stop may stay open in all. */
  batchMaxMs: number;
}

/**
 * Queue a request decided on the mirror; returns the flush for `waitUntil` when this call starts a
 * batch. One batch is in flight per principal, so the object sees requests in the order decided here.
 * `urgent` (a stop decided here) ends the batch's hold: it leaves at the end of its current window.
 */
export function queueMirrored(
  principal: string,
  m: Mirror,
  input: ObserveInput,
  urgent: boolean,
  window: MirrorWindow,
  send: (batch: ObserveInput[], base: number | null) => Promise<MirrorSync>,
  reapply: (record: PrincipalRecord, input: ObserveInput) => void,
  now: () => number,
): Promise<void> | null {
  m.queue.push(input);
  if (urgent) m.urgent = true;
  if (m.queue.length >= QUEUE_LIMIT) m.until = 0;
  if (m.flushing) return null;
  m.flushing = true;
  const flush = async (): Promise<void> => {
    // Held while it is short and holds no stop.
    await holdOpen(window.batchMs, window.batchMaxMs, () => m.queue.length < FULL_BATCH && !m.urgent);
    const batch = m.queue;
    m.urgent = false;
    m.queue = [];
    try {
      const sync = await send(batch, m.seq);
      if (!sync.mirror) throw new Error('the object no longer keeps this principal');
      if (sync.record) {
        // Another writer changed the record: take the object's, which includes this batch, and apply
        // the requests decided here since it left on top. Otherwise the copy already is that record.
        for (const queued of m.queue) reapply(sync.record, queued);
        m.record = sync.record;
      }
      m.seq = sync.seq;
      m.until = now() + MIRROR_TTL_MS;
    } catch (err) {
      // The object still gets what was queued meanwhile: as a batch of its own, answered or not.
      m.until = 0;
      if (mirrors.get(principal) === m) mirrors.delete(principal);
      console.error(JSON.stringify({ event: 'mirror_batch_failed', principal, requests: batch.length, message: String(err) }));
    }
    if (m.queue.length > 0) return flush();
    m.flushing = false;
  };
  return flush();
}
