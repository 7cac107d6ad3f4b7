/**
 * What the origin answered, on its way to the principal's object without a call of its own: each
 * answer's usage waits in the isolate and rides on that principal's next `observe`, which applies it
 * before deciding (as the replay does: a response is accounted before the next request). A principal
 * that sends nothing more within USAGE_FLUSH_MS gets it in one `usage` call from `waitUntil`.
 */
import type { UsageEntry } from '../engine/types';

/** Entries kept per principal: beyond this the oldest are folded into one (tokens are summed). */
const PER_PRINCIPAL = 16;
/** Principals with usage waiting: a full queue is flushed at once rather than grown. */
const MAX_PRINCIPALS = 2_000;

let waiting = new Map<string, UsageEntry[]>();
let scheduled = false;

export function queueUsage(
  principal: string,
  entry: UsageEntry,
  send: (batch: Map<string, UsageEntry[]>) => Promise<void>,
  delayMs: number,
): Promise<void> | null {
  const entries = waiting.get(principal) ?? [];
  entries.push(entry);
  if (entries.length > PER_PRINCIPAL) {
    const [a, b] = entries.splice(0, 2) as [UsageEntry, UsageEntry];
    entries.unshift({
      usage: { inputTokens: a.usage.inputTokens + b.usage.inputTokens, outputTokens: a.usage.outputTokens + b.usage.outputTokens },
      now: b.now,
    });
  }
  waiting.set(principal, entries);
  if (waiting.size >= MAX_PRINCIPALS) return flushUsage(send);
  if (scheduled) return null;
  scheduled = true;
  return new Promise<void>((resolve) => setTimeout(resolve, delayMs)).then(() => flushUsage(send));
}

/** The usage waiting for this principal, removed: the caller sends it with the principal's observe. */
export function takeUsage(principal: string): UsageEntry[] | undefined {
  const entries = waiting.get(principal);
  if (entries) waiting.delete(principal);
  return entries;
}

export function flushUsage(send: (batch: Map<string, UsageEntry[]>) => Promise<void>): Promise<void> {
  const batch = waiting;
  waiting = new Map();
  scheduled = false;
  return batch.size > 0 ? send(batch) : Promise.resolve();
}
