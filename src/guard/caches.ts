/**
 * What an isolate keeps between requests: the current rule-set version, the lists, the verdict board,
 * standing stops it has seen, and keys' organizations. Every entry is versioned or time-bounded
 * (docs/consistency.md); refreshes run in `waitUntil`, never on the request path.
 */
import { gt, isNull, or } from 'drizzle-orm';
import { database } from '../db/client';
import { listEntries } from '../db/schema';
import type { BoardEntry } from '../engine/board';
import type { ListHit, ListName } from '../engine/decide';
import type { CompiledRuleSet } from '../engine/rules/compile';
import { defaultRules } from '../engine/rules/defaults';
import type { Standing } from '../engine/state/principal';
import { countCall } from '../isolate-stats';
import { type BoardChanges, type BoardCursor, boardStub } from '../state/board-state';
import { currentRulesVersion, rulesForVersion } from '../state/rules-cache';
import { isMissingMethod } from './missing-method';

/** How long rule versions and lists may be stale in an isolate: operator changes are live within this. */
export const CONFIG_TTL_MS = 5_000;
/** Standing stops cached per isolate, and for how long at most before asking the principal's object again. */
const STANDING_LIMIT = 10_000;
export const STANDING_TTL_MS = 30_000;

interface CachedStanding {
  standing: Standing;
  rulesVersion: number;
  cachedAt: number;
}

export class IsolateCaches {
  rulesVersion = 0;
  rules: CompiledRuleSet = defaultRules();
  lists = new Map<string, ListHit>();
  board = new Map<string, BoardEntry>();
  /** Where this copy of the board stands (null: none yet). */
  boardCursor: BoardCursor | null = null;
  private configAt = Number.NEGATIVE_INFINITY;
  private boardAt = Number.NEGATIVE_INFINITY;
  private refreshingConfig: Promise<void> | null = null;
  private refreshingBoard: Promise<void> | null = null;
  private readonly standings = new Map<string, CachedStanding>();
  readonly orgs = new Map<string, string>();

  /** An operator changed lists or rules through this isolate: load them again before the next decision. */
  invalidate(): void {
    this.configAt = Number.NEGATIVE_INFINITY;
  }

  configDue(now: number): boolean {
    return now - this.configAt >= CONFIG_TTL_MS;
  }

  get cold(): boolean {
    return this.configAt === Number.NEGATIVE_INFINITY;
  }

  /** Rule version and lists (D1). A cold isolate awaits this once; afterwards it runs in waitUntil. */
  refreshConfig(env: Cloudflare.Env, now: number): Promise<void> {
    this.refreshingConfig ??= this.loadConfig(env, now).finally(() => {
      this.refreshingConfig = null;
    });
    return this.refreshingConfig;
  }

  /**
   * The verdict board (a Durable Object call): always from waitUntil, never awaited on the request path.
   * Null when it is fresh, so most requests register no waitUntil task for it.
   */
  refreshBoard(env: Cloudflare.Env, now: number, boardRefreshMs: number): Promise<void> | null {
    if (now - this.boardAt < boardRefreshMs) return null;
    if (this.refreshingBoard) return null;
    this.refreshingBoard = this.loadBoard(env, now).finally(() => {
      this.refreshingBoard = null;
    });
    return this.refreshingBoard;
  }

  private async loadConfig(env: Cloudflare.Env, now: number): Promise<void> {
    const [version, rows] = await Promise.all([
      currentRulesVersion(env.DB),
      database(env.DB)
        .select()
        .from(listEntries)
        .where(or(isNull(listEntries.expiresAt), gt(listEntries.expiresAt, now))),
    ]);
    if (version !== this.rulesVersion) {
      this.rules = await rulesForVersion(env.DB, version);
      this.standings.clear();
    }
    this.rulesVersion = version;
    this.lists = new Map(rows.map((r) => [r.principal, { list: r.list as ListName, reason: r.reason }]));
    this.configAt = now;
  }

  private async loadBoard(env: Cloudflare.Env, now: number): Promise<void> {
    countCall('board');
    const stub = boardStub(env);
    const since = this.boardCursor;
    let changes: BoardChanges | null;
    try {
      changes = await stub.changes(since);
    } catch (err) {
      // A board object still on the previous version (a deploy) has only `snapshot`: take the whole board.
      if (!isMissingMethod(err)) throw err;
      const snap = await stub.snapshot();
      changes = snap && { epoch: -1, version: snap.version, full: true, entries: snap.entries, removed: [] };
    }
    if (changes?.full) this.board = new Map(changes.entries.map((e: BoardEntry) => [e.key, e]));
    else if (changes) {
      for (const e of changes.entries) this.board.set(e.key, e);
      for (const key of changes.removed) this.board.delete(key);
    }
    if (changes) this.boardCursor = { epoch: changes.epoch, version: changes.version };
    this.boardAt = now;
  }

  standing(principal: string, now: number): Standing | null {
    const hit = this.standings.get(principal);
    if (!hit) return null;
    if (hit.rulesVersion !== this.rulesVersion || hit.standing.until <= now || now - hit.cachedAt > STANDING_TTL_MS) {
      this.standings.delete(principal);
      return null;
    }
    return hit.standing;
  }

  rememberStanding(principal: string, standing: Standing | null, now: number): void {
    if (!standing || standing.until <= now) {
      this.standings.delete(principal);
      return;
    }
    if (this.standings.size >= STANDING_LIMIT) this.standings.clear();
    this.standings.set(principal, { standing, rulesVersion: this.rulesVersion, cachedAt: now });
  }
}

/** One per isolate. */
export const isolateCaches = new IsolateCaches();
