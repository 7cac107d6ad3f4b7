/**
 * The verdict board: one object holding the published state of the clusters that matter (those with
 * a verdict or enough principals). Isolates pull a snapshot every `boardRefresh`; the replay models the
 * same delay. Its daily alarm also enforces RETENTION_DAYS on D1.
 */
import { DurableObject } from 'cloudflare:workers';
import { lt } from 'drizzle-orm';
import { readConfig } from '../config';
import { database } from '../db/client';
import { decisionsHourly, principals } from '../db/schema';
import type { BoardEntry } from '../engine/board';
import { countRows } from '../isolate-stats';

/** Largest board kept: every verdict, then the clusters with the most principals. */
export const BOARD_LIMIT = 5000;
const DAY = 86_400_000;

export interface BoardSnapshot {
  version: number;
  entries: BoardEntry[];
}

export class BoardState extends DurableObject<Cloudflare.Env> {
  private entries: Map<string, BoardEntry> | null = null;
  private version = 0;

  private async load(): Promise<Map<string, BoardEntry>> {
    if (!this.entries) {
      const stored = await this.ctx.storage.get<BoardSnapshot>('board');
      this.entries = new Map((stored?.entries ?? []).map((e) => [e.key, e]));
      this.version = stored?.version ?? 0;
      if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + DAY);
    }
    return this.entries;
  }

  async publish(entries: BoardEntry[]): Promise<number> {
    const board = await this.load();
    for (const e of entries) board.set(e.key, e);
    if (board.size > BOARD_LIMIT) {
      const keep = [...board.values()]
        .sort((a, b) => Number(!!b.verdict) - Number(!!a.verdict) || b.stats.principals - a.stats.principals)
        .slice(0, BOARD_LIMIT);
      this.entries = new Map(keep.map((e) => [e.key, e]));
    }
    this.version++;
    await this.ctx.storage.put('board', { version: this.version, entries: [...(this.entries as Map<string, BoardEntry>).values()] });
    countRows('objectRows', 1);
    return this.version;
  }

  async snapshot(sinceVersion = -1): Promise<BoardSnapshot | null> {
    const board = await this.load();
    if (sinceVersion === this.version) return null;
    return { version: this.version, entries: [...board.values()] };
  }

  /** Retention: decisions and principals older than RETENTION_DAYS leave D1. */
  override async alarm(): Promise<void> {
    const cutoff = Date.now() - readConfig(this.env).retentionDays * DAY;
    const db = database(this.env.DB);
    try {
      await db.batch([
        db.delete(decisionsHourly).where(lt(decisionsHourly.hour, cutoff)),
        db.delete(principals).where(lt(principals.lastSeen, cutoff)),
      ]);
    } finally {
      await this.ctx.storage.setAlarm(Date.now() + DAY);
    }
  }
}
