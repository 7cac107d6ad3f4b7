/**
 * Hot principals: a big application's single key may send thousands of requests a second, more than one
 * Durable Object serves. While a principal is busy (>= HOT_PER_MINUTE a minute) and clean (its last decision an
 * allow below the log threshold), an isolate answers allow from cache for HOT_TTL_MS and sends the
 * requests it served to the principal's object in one batch per window. Every request is still observed;
 * a stop ends the cache at once.
 */
import type { ObserveInput, ObserveOutput } from '../state/principal-state';

export const HOT_TTL_MS = 1_000;
const BATCH_WINDOW_MS = 250;
const HOT_LIMIT = 1_000;

interface Hot {
  until: number;
  rulesVersion: number;
  queue: ObserveInput[];
  flushing: boolean;
}

const hot = new Map<string, Hot>();

export function isHot(principal: string, now: number, rulesVersion: number): boolean {
  const h = hot.get(principal);
  return !!h && h.until > now && h.rulesVersion === rulesVersion;
}

export interface HotPolicy {
  perMinute: number;
  logThreshold: number;
  blockThreshold: number;
}

export function markHot(principal: string, out: ObserveOutput, policy: HotPolicy, now: number, rulesVersion: number): void {
  const clean = out.decision.action === 'allow' && out.decision.score * policy.blockThreshold < policy.logThreshold;
  if (!clean || out.perMinute < policy.perMinute) {
    const h = hot.get(principal);
    if (h) h.until = 0;
    return;
  }
  if (hot.size >= HOT_LIMIT && !hot.has(principal)) hot.clear();
  const h = hot.get(principal) ?? { until: 0, rulesVersion, queue: [], flushing: false };
  h.until = now + HOT_TTL_MS;
  h.rulesVersion = rulesVersion;
  hot.set(principal, h);
}

/**
 * Queue a request served from cache; returns the flush to hand to waitUntil when this call starts a
 * batch window. `send` delivers the batch and gets each request's outcome back.
 */
export function queueHot(
  principal: string,
  input: ObserveInput,
  send: (batch: ObserveInput[]) => Promise<ObserveOutput[]>,
  onResult: (outs: ObserveOutput[]) => void,
): Promise<void> | null {
  const h = hot.get(principal);
  if (!h) return null;
  h.queue.push(input);
  if (h.flushing) return null;
  h.flushing = true;
  return new Promise<void>((resolve) => setTimeout(resolve, BATCH_WINDOW_MS)).then(async () => {
    const batch = h.queue;
    h.queue = [];
    h.flushing = false;
    try {
      onResult(await send(batch));
    } catch (err) {
      h.until = 0;
      console.error(JSON.stringify({ event: 'hot_batch_failed', principal, requests: batch.length, message: String(err) }));
    }
  });
}
