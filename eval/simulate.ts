/**
 * Run a population through the engine in time order (a heap of actors by next send time), feeding each
 * decision back to the actor that sent the request, and count what every group got.
 */
import type { MemoryEngine } from '../src/engine/memory-state';
import { type Action, isStop } from '../src/engine/types';
import { answerSize } from '../src/mock/generate';
import { type Actor, DAY, HOUR } from './actors/actor';
import { buildRequest } from './client';
import type { Population, SimParams } from './populations';

export interface GroupStats {
  kind: Actor['kind'];
  requests: number;
  denied: number;
  degraded: number;
  blocked: number;
  challenged: number;
  customers: Set<string>;
  deniedCustomers: Set<string>;
  /** Campaigns: harvesting requests attempted and served, per hour of the scored period. */
  attempts: number;
  served: number;
  hourlyAttempts: number[];
  hourlyServed: number[];
  /** Reason codes behind denials (benign) or behind what was still served (campaigns), for tuning. */
  reasons: Map<string, number>;
}

export interface SimResult {
  groups: Map<string, GroupStats>;
  accountsOpened: Map<string, number>;
  requests: number;
  engineMs: number;
}

export interface SimOptions {
  onProgress?: (fraction: number) => void;
  /** Called with every request (warm-up included) as a replay record, and the action taken (for `--out`). */
  onRecord?: (line: string, action: Action) => void;
}

/** Actors ordered by their next send time. */
export class Heap {
  private readonly items: Actor[] = [];
  push(a: Actor): void {
    const it = this.items;
    it.push(a);
    let i = it.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((it[p] as Actor).nextAt <= a.nextAt) break;
      it[i] = it[p] as Actor;
      i = p;
    }
    it[i] = a;
  }
  pop(): Actor | undefined {
    const it = this.items;
    const top = it[0];
    const last = it.pop();
    if (it.length > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        const mv = () => (m === i ? last.nextAt : (it[m] as Actor).nextAt);
        if (l < it.length && (it[l] as Actor).nextAt < mv()) m = l;
        if (r < it.length && (it[r] as Actor).nextAt < mv()) m = r;
        if (m === i) break;
        it[i] = it[m] as Actor;
        i = m;
      }
      it[i] = last;
    }
    return top;
  }
}

function stats(kind: Actor['kind'], hours: number): GroupStats {
  return {
    kind,
    requests: 0,
    denied: 0,
    degraded: 0,
    blocked: 0,
    challenged: 0,
    customers: new Set(),
    deniedCustomers: new Set(),
    attempts: 0,
    served: 0,
    hourlyAttempts: new Array(hours).fill(0),
    hourlyServed: new Array(hours).fill(0),
    reasons: new Map(),
  };
}

/** Run the population; with `engine` null nothing is guarded (the baseline harvest is measured so). */
export function simulate(engine: MemoryEngine | null, pop: Population, p: SimParams, options: SimOptions = {}): SimResult {
  const end = p.start + p.days * DAY;
  const hours = Math.ceil(p.days * 24);
  const heap = new Heap();
  for (const a of pop.actors) heap.push(a);
  const groups = new Map<string, GroupStats>();
  let requests = 0;
  let engineMs = 0;
  let lastProgress = 0;
  const t0 = p.start - p.warmupDays * DAY;
  let seq = 0;
  for (;;) {
    const actor = heap.pop();
    if (!actor || actor.nextAt >= end) break;
    const now = Math.floor(actor.nextAt);
    const { spec, distill } = actor.emit();
    const raw = buildRequest(spec);
    const started = performance.now();
    const processed = engine?.process(raw, now) ?? null;
    const decision = processed?.decision ?? null;
    const action: Action = decision?.action ?? 'allow';
    const reached = !isStop(action);
    let usage = null;
    if (reached) {
      const last = spec.messages.at(-1)?.content ?? '';
      const size = answerSize(raw.body, last, spec.maxTokens, spec.thinkingBudget ?? (spec.reasoningEffort === 'high' ? 4096 : 0));
      usage = { inputTokens: size.inputTokens, outputTokens: size.thinkingTokens + size.textTokens };
      if (processed) engine?.observeResponse(processed.features, usage, null, now);
    }
    engineMs += performance.now() - started;
    requests++;
    if (now >= p.start) {
      let g = groups.get(actor.group);
      if (!g) {
        g = stats(actor.kind, hours);
        groups.set(actor.group, g);
      }
      g.requests++;
      g.customers.add(spec.key);
      if (isStop(action)) {
        g.denied++;
        g.deniedCustomers.add(spec.key);
      }
      const explain = actor.kind === 'campaign' ? reached && distill : isStop(action);
      if (explain) {
        const key = decision && decision.reasons.length > 0 ? decision.reasons.slice(0, 4).join(' ') : '(none)';
        g.reasons.set(key, (g.reasons.get(key) ?? 0) + 1);
      }
      if (action === 'degrade') g.degraded++;
      if (action === 'block') g.blocked++;
      if (action === 'challenge') g.challenged++;
      if (distill) {
        const h = Math.min(hours - 1, Math.floor((now - p.start) / HOUR));
        g.attempts++;
        g.hourlyAttempts[h] = (g.hourlyAttempts[h] as number) + 1;
        if (reached) {
          g.served++;
          g.hourlyServed[h] = (g.hourlyServed[h] as number) + 1;
        }
      }
    }
    if (options.onRecord) {
      options.onRecord(
        JSON.stringify({
          id: `r${seq++}`,
          ts: now,
          method: raw.method,
          url: raw.url,
          headers: raw.headers,
          ip: raw.ip,
          cf: raw.cf,
          body: raw.body,
          response: usage ? { status: 200, usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens } } : { status: 0 },
        }),
        action,
      );
    }
    actor.react(action, now);
    heap.push(actor);
    const fraction = (now - t0) / (end - t0);
    if (options.onProgress && fraction - lastProgress >= 0.01) {
      lastProgress = fraction;
      options.onProgress(fraction);
    }
  }
  const accountsOpened = new Map([...pop.campaigns].map(([k, v]) => [k, v.opened]));
  return { groups, accountsOpened, requests, engineMs };
}
