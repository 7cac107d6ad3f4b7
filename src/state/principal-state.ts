/**
 * One Durable Object per principal: the only writer of its engine record, so its windows and standing
 * decision are consistent. The isolate makes one awaited call (`observe`) per request; the usage of
 * its answers rides on the next one (or arrives in a `usage` call when the principal goes quiet). A
 * principal's record is written about once per PERSIST_MS (a request together with its own usage), a new
 * standing decision at once.
 * Decisions are aggregated here and flushed to D1 by an alarm (stops within STOP_FLUSH_MS), retried
 * until D1 accepts: no D1 write on the request path, and nothing lost while D1 is down.
 */
import { DurableObject } from 'cloudflare:workers';
import { readConfig } from '../config';
import { compactFeatures } from '../engine/backtest';
import { clusterObservation } from '../engine/pipeline';
import type { FeatureMap } from '../engine/signals';
import { newPrincipal, observeUsage, type PrincipalRecord } from '../engine/state/principal';
import { sumOf } from '../engine/state/window';
import { type Decision, isStop, type Usage, type UsageEntry } from '../engine/types';
import { countRows } from '../isolate-stats';
import { sendStopAlert } from './alert';
import { applyRequest, type MirrorSync, type ObserveInput, type ObserveOutput, redeem } from './principal-step';
import { type Pending, PrincipalStorage } from './principal-storage';
import { carryOver, flushLanded, flushPrincipal, pendingBuckets, putBack, takeFlush } from './recorder';
import { rulesForVersion } from './rules-cache';
import { WriteBehind } from './write-behind';

const MAX_BACKOFF_MS = 300_000;
/** The longest a stop (enforced or shadow) waits in a principal's object before it is written to D1. */
export const STOP_FLUSH_MS = 10_000;
const ALERT_RETRY_MS = 60_000;

/**
 * A window of 75–125% of `ms`: keys that started together (a deploy, a traffic burst) would otherwise
 * write and flush together, one burst of storage and D1 work every window instead of a steady trickle.
 */
function spread(ms: number): number {
  return ms * (0.75 + Math.random() / 2);
}

export class PrincipalState extends DurableObject<Cloudflare.Env> {
  private record: PrincipalRecord | null = null;
  private pending: Pending | null = null;
  private readonly storage = new PrincipalStorage(this.ctx.storage);
  /**
   * Whether this principal may keep state: its key was accepted by the origin once, or it redeemed a
   * solved challenge (proof of work). A flood of random or rejected keys therefore stores nothing: each
   * such object lives in memory only until the runtime evicts it.
   */
  private keeps = false;
  /**
   * The record's version in this object's memory: bumped by every call that changes it. It starts at a
   * random point, so a copy taken from an earlier instance of this object (evicted, its last window
   * unwritten) never matches.
   */
  private seq = Math.floor(Math.random() * 2 ** 48);

  private async load(id: string, now: number): Promise<PrincipalRecord> {
    if (!this.record) {
      const { record } = await this.storage.read();
      this.keeps ||= record !== undefined;
      this.record ??= record ?? newPrincipal(id, now);
      this.writtenStanding = this.standingKey();
    }
    return this.record;
  }

  private readonly writer = new WriteBehind(
    () => this.persist(),
    (err) => console.error(JSON.stringify({ event: 'persist_failed', principal: this.record?.id, message: String(err) })),
  );
  /** The standing decision as last written: a change of it is written at once. */
  private writtenStanding = '';

  /**
   * Write about once per PERSIST_MS (`WriteBehind`): a busy principal once per window instead of once
   * per request. After a request (`requested`) the write waits for the request's own usage, which a
   * quiet principal's isolate sends in a `usage` call once the answer is read, up to the window, so a
   * quiet principal's request and its usage are one write, not two; the awaited `observe` does not
   * wait for storage either. What must survive a restart is written at once (`urgent`): a new or
   * changed standing decision (a block must not lapse with the object) and a redeemed challenge (its
   * nonce is single-use).
   */
  private async persistSoon(requested: boolean, urgent = false): Promise<void> {
    if (!this.keeps) return;
    const windowMs = spread(readConfig(this.env).persistMs);
    if (urgent || this.standingKey() !== this.writtenStanding) await this.writer.now();
    else if (requested) await this.writer.hold(windowMs);
    else await this.writer.soon(windowMs);
  }

  /** Write the record and pending decisions, and make sure the flush alarm is set; only once kept. */
  private async persist(): Promise<void> {
    if (!this.keeps || !this.record) return;
    this.writtenStanding = this.standingKey();
    const p = await this.pendingState();
    await this.storage.write(this.record, p);
    await this.flushLater(p);
  }

  /**
   * Make sure the alarm will flush what is pending. Stops reach D1 (the dashboard, the ban feed, the
   * alert) within STOP_FLUSH_MS; allowed traffic's aggregates can wait the whole RECORD_FLUSH_MS, so
   * a busy key costs fewer D1 writes.
   */
  private async flushLater(p: Pending): Promise<void> {
    const buckets = pendingBuckets(p);
    if (p.summary === null && buckets.length === 0) return;
    const { recordFlushMs } = readConfig(this.env);
    const stopped = buckets.some((b) => isStop(b.wouldAction));
    const wanted = Date.now() + (stopped ? Math.min(recordFlushMs, STOP_FLUSH_MS) : spread(recordFlushMs));
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > wanted) await this.ctx.storage.setAlarm(wanted);
  }

  private standingKey(): string {
    const s = this.record?.standing;
    return s ? `${s.action}|${s.until}` : '';
  }

  private async pendingState(): Promise<Pending> {
    const { pending } = await this.storage.read();
    this.pending ??= pending ? carryOver(pending) : { buckets: {}, summary: null, failures: 0, stoppedAt: null };
    return this.pending;
  }

  async observe(input: ObserveInput): Promise<ObserveOutput> {
    const started = performance.now();
    const [out] = await this.observeBatch([input]);
    return { ...(out as ObserveOutput), tookMs: performance.now() - started };
  }

  /** Several requests at once, in order, each answered (the tests' and older isolates' batch call). */
  async observeBatch(inputs: ObserveInput[]): Promise<ObserveOutput[]> {
    const out: ObserveOutput[] = [];
    this.seq++;
    await this.apply(inputs, out);
    const last = out[out.length - 1];
    const asked = inputs[inputs.length - 1]?.mirrorFrom;
    if (last && this.record && this.keeps && asked !== undefined && last.perMinute >= asked) {
      last.record = this.record;
      last.seq = this.seq;
    }
    return out;
  }

  /**
   * A mirrored principal's requests, decided on the isolate's copy of the record from version `base`,
   * sent in one call per batch window. The isolate needs no per-request answers, only the record: and
   * not even that when nothing else changed it since `base` (no other isolate, no usage call, no new
   * object), since the same steps on the same record end in the same record. Returning and re-reading
   * the record every batch was about a third of a batch's cost in local workerd.
   */
  async observeMirrored(inputs: ObserveInput[], base: number | null): Promise<MirrorSync> {
    const start = ++this.seq;
    await this.apply(inputs, null);
    if (!this.keeps || !this.record) return { seq: this.seq, mirror: false };
    // In sync only if the copy was the record at the start and no other call ran during this one (a
    // rule set read from D1 lets other calls in).
    const inSync = base === start - 1 && this.seq === start;
    return inSync ? { seq: this.seq, mirror: true } : { seq: this.seq, mirror: true, record: this.record };
  }

  /** Apply requests in order; `out` collects their answers (null: nobody reads them). */
  private async apply(inputs: ObserveInput[], out: ObserveOutput[] | null): Promise<void> {
    let redeemed = false;
    for (const input of inputs) {
      const { features, now } = input;
      const rules = await rulesForVersion(this.env.DB, input.rulesVersion);
      const record = await this.load(features.principal, now);
      // Redeeming a solution and applying usage change different fields: their order does not matter.
      const solution = input.solution ? redeem(record, input.solution, now) : null;
      redeemed ||= solution === 'accepted';
      if (solution === 'accepted' || input.usage?.length) this.keeps = true;
      const result = applyRequest(record, input, rules);
      const { decision } = result;
      // A stop of a key the origin never accepted is counted by the isolate in aggregate, not here:
      // it never reaches the origin, so keeping it per principal would let random keys grow state.
      if (this.keeps || !isStop(decision.action)) await this.remember(record, decision, result.featureMap, now);
      if (!out) continue;
      const observation = clusterObservation(features, result, record, rules, now);
      out.push({ decision, observation, standing: record.standing, perMinute: sumOf(record.reqMin, now), solution, verified: this.keeps });
    }
    await this.persistSoon(true, redeemed);
  }

  /**
   * Usage no request carried (the principal went quiet): applied on its own. During a rolling deploy an
   * isolate of the previous version may still call `usage(principal, usage, now)`: that shape is read too.
   */
  async usage(principal: string, entries: UsageEntry[] | Usage, now?: number): Promise<void> {
    const list = Array.isArray(entries) ? entries : [{ usage: entries, now: now ?? Date.now() }];
    if (list.length === 0) return;
    const record = await this.load(principal, (list[0] as UsageEntry).now);
    this.seq++;
    this.applyUsage(record, list);
    await this.persistSoon(false);
  }

  /** The origin answered this principal successfully: its key is real, and from now on it keeps state. */
  private applyUsage(record: PrincipalRecord, entries: UsageEntry[]): void {
    for (const e of entries) observeUsage(record, e.usage, e.now);
    this.keeps = true;
  }

  /** The record as stored (for the admin view and tests). */
  async snapshot(): Promise<PrincipalRecord | null> {
    return this.record ?? (await this.storage.read()).record ?? null;
  }

  private async remember(record: PrincipalRecord, d: Decision, featureMap: FeatureMap, now: number): Promise<void> {
    const p = await this.pendingState();
    const hour = Math.floor(now / 3_600_000) * 3_600_000;
    const key = `${hour}|${d.action}|${d.wouldAction}|${d.rulesVersion}`;
    p.buckets[key] ??= {
      hour,
      action: d.action,
      wouldAction: d.wouldAction,
      rulesVersion: d.rulesVersion,
      count: 0,
      maxScore: 0,
      reasons: {},
      lastTs: now,
    };
    const bucket = p.buckets[key];
    bucket.count++;
    bucket.maxScore = Math.max(bucket.maxScore, d.score);
    bucket.lastTs = now;
    for (const r of d.reasons.slice(0, 5)) bucket.reasons[r] = (bucket.reasons[r] ?? 0) + 1;
    let points = 0;
    for (const id in d.breakdown) points += d.breakdown[id] as number;
    if (bucket.samplePoints === undefined || points >= bucket.samplePoints) {
      bucket.samplePoints = points;
      bucket.sample = compactFeatures(featureMap);
    }
    const standing = record.standing && record.standing.until > now ? record.standing : null;
    if (isStop(d.action)) p.stoppedAt ??= now;
    p.summary = {
      id: record.id,
      org: record.org,
      firstSeen: record.firstSeen,
      lastSeen: record.lastSeen,
      requests: record.total,
      outputTokens: record.outputTokens,
      action: standing?.action ?? 'allow',
      actionUntil: standing?.until ?? null,
      reasons: standing?.reasons ?? d.reasons.slice(0, 5),
      stoppedAt: p.stoppedAt,
    };
  }

  override async alarm(): Promise<void> {
    const p = await this.pendingState();
    if (!p.summary && pendingBuckets(p).length === 0) return this.alertIfStopped(p);
    // Take what is pending now; requests arriving during the flush start new buckets.
    const taken = takeFlush(p);
    let flushed = false;
    try {
      const id = taken.summary?.id ?? (await this.snapshot())?.id;
      if (id) countRows('d1Rows', await flushPrincipal(this.env.DB, id, { ...taken, buckets: Object.values(taken.buckets) }));
      flushed = true;
      flushLanded(p, taken);
      if (taken.summary?.stoppedAt && !p.alerted) p.alert = taken.summary;
      await this.putPending(p);
      // Decisions of requests that came in during the flush: their own write was this one.
      await this.flushLater(p);
      await this.alertIfStopped(p);
    } catch (err) {
      // D1 failed: put everything back and try again later (D1 briefly unavailable loses nothing). A
      // failure after the flush landed keeps its decisions out: flushed again, they would count twice
      // (and should this object restart before it stores that, the flush's number keeps them out).
      if (!flushed) putBack(p, taken);
      await this.putPending(p);
      await this.ctx.storage.setAlarm(Date.now() + Math.min(MAX_BACKOFF_MS, readConfig(this.env).recordFlushMs * 2 ** p.failures));
      const event = flushed ? 'write_after_flush_failed' : 'd1_flush_failed';
      console.error(JSON.stringify({ event, principal: taken.summary?.id, failures: p.failures, message: String(err) }));
    }
  }

  private async putPending(p: Pending): Promise<void> {
    if (!this.record) return this.storage.write((await this.storage.read()).record, p);
    // The record in memory goes in this write, held changes included: a write waiting for its window
    // would store nothing new (what changes from here starts a wait of its own).
    this.writer.wrote();
    await this.storage.write(this.record, p);
  }

  /** The ban pipeline hears of a stop once, after its record is in D1; a failed post is retried. */
  private async alertIfStopped(p: Pending): Promise<void> {
    if (!p.alert) return;
    if (await sendStopAlert(this.env, p.alert, Date.now())) {
      p.alert = null;
      p.alerted = true;
    } else if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + ALERT_RETRY_MS);
    }
    await this.putPending(p);
  }
}
