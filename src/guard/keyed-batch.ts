/**
 * Items waiting in the isolate, grouped by key, that leave together after a short window from
 * `waitUntil`: one call per key per window instead of one per item. Cluster observations (by shard)
 * and answers' usage (by principal) both wait this way.
 */
export class KeyedBatch<T> {
  private items = new Map<string, T[]>();
  private scheduled = false;

  /** Keys with items waiting. */
  get size(): number {
    return this.items.size;
  }

  /** Add an item under `key`; returns that key's list, which the caller may bound in place. */
  push(key: string, item: T): T[] {
    let list = this.items.get(key);
    if (!list) {
      list = [];
      this.items.set(key, list);
    }
    list.push(item);
    return list;
  }

  /** The items waiting under `key`, removed (the caller sends them some other way). */
  take(key: string): T[] | undefined {
    const list = this.items.get(key);
    if (list) this.items.delete(key);
    return list;
  }

  /** Everything waiting, removed; the next push opens a new window. */
  drain(): Map<string, T[]> {
    const batch = this.items;
    this.items = new Map();
    this.scheduled = false;
    return batch;
  }

  /**
   * The flush for `waitUntil` when this call opens the window, else null (one is already open). With
   * `fill`, a window that closes holding fewer than `fill.items` stays open for another `delayMs`, up to
   * `fill.maxMs` in all: a quiet isolate sends fuller batches, less often.
   */
  schedule(
    delayMs: number,
    send: (batch: Map<string, T[]>) => Promise<void>,
    fill?: { items: number; maxMs: number },
  ): Promise<void> | null {
    if (this.scheduled) return null;
    this.scheduled = true;
    const flush = async (): Promise<void> => {
      if (fill) await holdOpen(delayMs, fill.maxMs, () => this.waiting() < fill.items);
      else await holdOpen(delayMs, delayMs, () => false);
      await send(this.drain());
    };
    return flush();
  }

  /** Items waiting under all keys (counted once a window, over a handful of keys). */
  private waiting(): number {
    let n = 0;
    for (const list of this.items.values()) n += list.length;
    return n;
  }
}

/**
 * A batch's window: wait `delayMs`, then another `delayMs` at a time while `short()` says the batch is
 * worth holding, up to `maxMs` in all. A window of 0 (send at once) is never held open. Shared by the
 * cluster and usage queues and by mirrored principals' batches (src/guard/mirror.ts).
 */
export async function holdOpen(delayMs: number, maxMs: number, short: () => boolean): Promise<void> {
  let waited = 0;
  do {
    const wait = Math.min(delayMs, maxMs - waited);
    await new Promise((resolve) => setTimeout(resolve, wait));
    waited += wait;
  } while (delayMs > 0 && waited < maxMs && short());
}
