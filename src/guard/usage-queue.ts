/**
 * What the origin answered, on its way to the principal's object without a call of its own: each
 * answer's usage waits in the isolate and rides on that principal's next `observe`, which applies it
 * before deciding (as the replay does: a response is accounted before the next request). A principal
 * that sends nothing more within USAGE_FLUSH_MS gets it in one `usage` call from `waitUntil`.
 */
import type { UsageEntry } from '../engine/types';
import { KeyedBatch } from './keyed-batch';

/** Entries kept per principal: beyond this the oldest are folded into one (tokens are summed). */
const PER_PRINCIPAL = 16;
/** Principals with usage waiting: a full queue is flushed at once rather than grown. */
const MAX_PRINCIPALS = 2_000;

const waiting = new KeyedBatch<UsageEntry>();

export function queueUsage(
  principal: string,
  entry: UsageEntry,
  send: (batch: Map<string, UsageEntry[]>) => Promise<void>,
  delayMs: number,
): Promise<void> | null {
  const entries = waiting.push(principal, entry);
  if (entries.length > PER_PRINCIPAL) {
    const [a, b] = entries.splice(0, 2) as [UsageEntry, UsageEntry];
    entries.unshift({
      usage: { inputTokens: a.usage.inputTokens + b.usage.inputTokens, outputTokens: a.usage.outputTokens + b.usage.outputTokens },
      now: b.now,
    });
  }
  const sendSome = (batch: Map<string, UsageEntry[]>) => (batch.size > 0 ? send(batch) : Promise.resolve());
  if (waiting.size >= MAX_PRINCIPALS) return sendSome(waiting.drain());
  return waiting.schedule(delayMs, sendSome);
}

/** The usage waiting for this principal, removed: the caller sends it with the principal's observe. */
export function takeUsage(principal: string): UsageEntry[] | undefined {
  return waiting.take(principal);
}
