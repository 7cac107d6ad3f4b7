/**
 * The verdict board: one object holding the published state of the clusters that matter (those with
 * a verdict or enough principals). Isolates pull what changed since their copy every `boardRefresh`;
 * the replay models the same delay. Its daily alarm also enforces RETENTION_DAYS on D1.
 *
 * A full board (5,000 entries) is about 1.1 MB serialized, and took 5.5 ms to serialize and 8.2 ms to
 * deserialize (Node's V8 serializer, the format RPC and storage use). Sending it whole to every isolate
 * every 5 s, and writing it whole on each of 16 shards' alarms, grew with the number of isolates and
 * neared the 2 MB value limit; so isolates get deltas (`changes`) and storage is written in parts, at
 * most every PERSIST_MS.
 */
import { DurableObject } from 'cloudflare:workers';
import { lt } from 'drizzle-orm';
import { readConfig } from '../config';
import { database } from '../db/client';
import { decisionsHourly, principals } from '../db/schema';
import type { BoardEntry } from '../engine/board';
import { countRows } from '../isolate-stats';
import { WriteBehind } from './write-behind';

/** Largest board kept: every verdict, then the clusters with the most principals. */
export const BOARD_LIMIT = 5000;
/** Entries per stored part: about 110 KB, well inside the 2 MB a key and value may take. */
export const PART_SIZE = 500;
/** The board is written at most this often; an object torn down in between loses those updates until the shards publish the clusters again. */
export const PERSIST_MS = 30_000;
/** Removed keys remembered for deltas; past this, isolates get the whole board once. */
const REMOVED_LIMIT = 10_000;
const DAY = 86_400_000;

/** The one board object every isolate, shard and the admin view talk to. */
export function boardStub(env: Cloudflare.Env) {
  return env.BOARD_STATE.get(env.BOARD_STATE.idFromName('board'));
}

/** The whole board (`snapshot`, the admin view and isolates of the previous version). */
export interface BoardSnapshot {
  version: number;
  entries: BoardEntry[];
}

/** Where an isolate's copy stands: `epoch` names this object's instance, so a restarted object's versions never match an older copy's. */
export interface BoardCursor {
  epoch: number;
  version: number;
}

/** What changed since a cursor, or (`full`) the whole board to replace the copy with. */
export interface BoardChanges extends BoardCursor {
  full: boolean;
  entries: BoardEntry[];
  removed: string[];
}

interface StoredMeta {
  version: number;
  parts: number;
}

export class BoardState extends DurableObject<Cloudflare.Env> {
  private entries: Map<string, BoardEntry> | null = null;
  /** The version at which each entry was last published. */
  private readonly changedAt = new Map<string, number>();
  private readonly removedAt = new Map<string, number>();
  /** Deltas from before this version may miss removals: such cursors get the whole board. */
  private removedFloor = 0;
  private version = 0;
  private readonly epoch = Math.floor(Math.random() * 2 ** 48);
  private storedParts = 0;
  private readonly writer = new WriteBehind(
    () => this.persist(),
    (err) => console.error(JSON.stringify({ event: 'board_persist_failed', message: String(err) })),
  );
  /** The board was read from the single `board` value of an earlier version: deleted at the next write. */
  private legacy = false;

  private async load(): Promise<Map<string, BoardEntry>> {
    if (this.entries) return this.entries;
    const meta = await this.ctx.storage.get<StoredMeta>('meta');
    let list: BoardEntry[] = [];
    if (meta) {
      const keys = Array.from({ length: meta.parts }, (_, i) => `part:${i}`);
      const parts = keys.length > 0 ? await this.ctx.storage.get<BoardEntry[]>(keys) : new Map<string, BoardEntry[]>();
      for (const k of keys) list = list.concat(parts.get(k) ?? []);
      this.version = meta.version;
      this.storedParts = meta.parts;
    } else {
      // Written by a version that kept the board in one value: read it; the next write replaces it.
      const old = await this.ctx.storage.get<BoardSnapshot>('board');
      list = old?.entries ?? [];
      this.version = old?.version ?? 0;
      this.legacy = old !== undefined;
    }
    this.removedFloor = this.version;
    this.entries = new Map(list.map((e) => [e.key, e]));
    for (const key of this.entries.keys()) this.changedAt.set(key, this.version);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + DAY);
    return this.entries;
  }

  async publish(entries: BoardEntry[]): Promise<number> {
    const board = await this.load();
    this.version++;
    for (const e of entries) {
      board.set(e.key, e);
      this.changedAt.set(e.key, this.version);
      this.removedAt.delete(e.key);
    }
    if (board.size > BOARD_LIMIT) this.trim(board);
    await this.writer.soon(PERSIST_MS);
    return this.version;
  }

  /** Keep every verdict, then the clusters with the most principals. */
  private trim(board: Map<string, BoardEntry>): void {
    const drop = [...board.values()]
      .sort((a, b) => Number(!!b.verdict) - Number(!!a.verdict) || b.stats.principals - a.stats.principals)
      .slice(BOARD_LIMIT);
    for (const e of drop) {
      board.delete(e.key);
      this.changedAt.delete(e.key);
      this.removedAt.set(e.key, this.version);
    }
    if (this.removedAt.size > REMOVED_LIMIT) {
      this.removedAt.clear();
      this.removedFloor = this.version;
    }
  }

  /** The whole board, or null when `sinceVersion` is current. */
  async snapshot(sinceVersion = -1): Promise<BoardSnapshot | null> {
    const board = await this.load();
    if (sinceVersion === this.version) return null;
    return { version: this.version, entries: [...board.values()] };
  }

  /** What changed since `since` (null: nothing); the whole board for a copy of another instance or from before what removals are remembered. */
  async changes(since: BoardCursor | null): Promise<BoardChanges | null> {
    const board = await this.load();
    const cursor = { epoch: this.epoch, version: this.version };
    const current = since !== null && since.epoch === this.epoch && since.version <= this.version;
    if (!current || since.version < this.removedFloor) return { ...cursor, full: true, entries: [...board.values()], removed: [] };
    if (since.version === this.version) return null;
    const entries: BoardEntry[] = [];
    for (const [key, at] of this.changedAt) if (at > since.version) entries.push(board.get(key) as BoardEntry);
    const removed: string[] = [];
    for (const [key, at] of this.removedAt) if (at > since.version) removed.push(key);
    return { ...cursor, full: false, entries, removed };
  }

  private async persist(): Promise<void> {
    if (!this.entries) return;
    const list = [...this.entries.values()];
    const parts = Math.ceil(list.length / PART_SIZE);
    const rows: Record<string, unknown> = { meta: { version: this.version, parts } satisfies StoredMeta };
    for (let i = 0; i < parts; i++) rows[`part:${i}`] = list.slice(i * PART_SIZE, (i + 1) * PART_SIZE);
    await this.ctx.storage.put(rows);
    const stale = Array.from({ length: Math.max(0, this.storedParts - parts) }, (_, i) => `part:${parts + i}`);
    if (this.legacy) stale.push('board');
    if (stale.length > 0) await this.ctx.storage.delete(stale);
    this.storedParts = parts;
    this.legacy = false;
    countRows('objectRows', parts + 1);
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
