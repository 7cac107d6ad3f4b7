/**
 * The verdict board sends isolates what changed since their copy, not the whole board, and writes
 * itself in parts at most every PERSIST_MS (docs/storage.md).
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { BoardEntry } from '../../src/engine/board';
import { IsolateCaches } from '../../src/guard/caches';
import { stateCalls } from '../../src/isolate-stats';
import { BOARD_LIMIT, type BoardChanges, PART_SIZE } from '../../src/state/board-state';
import { wrappedBinding } from './helpers';

function entry(key: string, principals: number, verdict = false): BoardEntry {
  return {
    key,
    kind: 'template',
    stats: { principals, fresh: 0, judged: principals, suspects: 0, stopped: 0, established: 0 },
    verdict: verdict ? { action: 'block', until: Date.now() + 60_000, since: Date.now(), rules: ['r'], principals, stopped: 0 } : null,
  };
}

const boardStub = (name: string) => env.BOARD_STATE.get(env.BOARD_STATE.idFromName(name));
const keys = (c: BoardChanges | null) => (c?.entries ?? []).map((e) => e.key).sort();

describe('verdict board', () => {
  it('answers a cursor with what changed since it, and a copy of another instance with the whole board', async () => {
    const board = boardStub('board-deltas');
    await board.publish([entry('a', 3), entry('b', 3)]);
    const first = await board.changes(null);
    expect(first).toMatchObject({ full: true, removed: [] });
    expect(keys(first)).toEqual(['a', 'b']);
    const cursor = { epoch: first?.epoch ?? 0, version: first?.version ?? 0 };
    expect(await board.changes(cursor)).toBeNull();

    await board.publish([entry('b', 4), entry('c', 3)]);
    const delta = await board.changes(cursor);
    expect(delta).toMatchObject({ full: false, removed: [] });
    expect(keys(delta)).toEqual(['b', 'c']);
    expect(delta?.entries.find((e) => e.key === 'b')?.stats.principals).toBe(4);
    // A cursor from another instance of the object (restarted, its versions counted again) gets everything.
    const other = await board.changes({ epoch: cursor.epoch + 1, version: cursor.version });
    expect(other?.full).toBe(true);
    expect(keys(other)).toEqual(['a', 'b', 'c']);
  });

  it('tells a cursor which entries the limit removed, keeping verdicts first', async () => {
    const board = boardStub('board-trim');
    await board.publish([entry('verdict', 1, true), ...Array.from({ length: BOARD_LIMIT - 1 }, (_, i) => entry(`e${i}`, 10 + i))]);
    const before = await board.changes(null);
    const cursor = { epoch: before?.epoch ?? 0, version: before?.version ?? 0 };
    await board.publish([entry('big', 1_000_000), entry('tiny', 3)]);
    const delta = await board.changes(cursor);
    expect(delta?.full).toBe(false);
    expect(keys(delta)).toEqual(['big']);
    // The smallest non-verdict entries went: the new tiny one and e0 (10 principals).
    expect(delta?.removed.sort()).toEqual(['e0', 'tiny']);
    const whole = await board.snapshot();
    expect(whole?.entries).toHaveLength(BOARD_LIMIT);
    expect(whole?.entries.some((e) => e.key === 'verdict')).toBe(true);
  });

  it('writes itself in parts, at most once per PERSIST_MS, and replaces a board stored whole by an earlier version', async () => {
    const board = boardStub('board-storage');
    const legacy = [entry('old-1', 5), entry('old-2', 5)];
    await runInDurableObject(board, (_i, state) => state.storage.put('board', { version: 7, entries: legacy }));
    const rows = stateCalls.objectRows;
    const version = await board.publish(Array.from({ length: PART_SIZE + 10 }, (_, i) => entry(`p${i}`, 3)));
    expect(version).toBe(8);
    // meta and two parts; the single value is gone.
    expect(stateCalls.objectRows - rows).toBe(3);
    await runInDurableObject(board, async (_i, state) => {
      expect(await state.storage.get('board')).toBeUndefined();
      expect(await state.storage.get('meta')).toEqual({ version: 8, parts: 2 });
      const [one, two] = [await state.storage.get<BoardEntry[]>('part:0'), await state.storage.get<BoardEntry[]>('part:1')];
      expect((one?.length ?? 0) + (two?.length ?? 0)).toBe(PART_SIZE + 12);
    });
    // Within PERSIST_MS the next publish is kept in memory (and written by a timer).
    await board.publish([entry('later', 3)]);
    expect(stateCalls.objectRows - rows).toBe(3);
    expect((await board.snapshot())?.entries.some((e) => e.key === 'later')).toBe(true);
  });

  it('starts from the parts it wrote (an empty board included)', async () => {
    const board = boardStub('board-reload');
    await runInDurableObject(board, (_i, state) =>
      state.storage.put({ meta: { version: 41, parts: 2 }, 'part:0': [entry('r0', 3)], 'part:1': [entry('r1', 3), entry('r2', 3)] }),
    );
    const loaded = await board.snapshot();
    expect(loaded?.version).toBe(41);
    expect(loaded?.entries.map((e) => e.key)).toEqual(['r0', 'r1', 'r2']);
    const empty = boardStub('board-reload-empty');
    await runInDurableObject(empty, (_i, state) => state.storage.put('meta', { version: 5, parts: 0 }));
    expect(await empty.snapshot()).toEqual({ version: 5, entries: [] });
  });

  it('keeps an isolate’s copy current from deltas, and from whole snapshots of a board on the previous version', async () => {
    const board = boardStub('board');
    await board.publish([entry('x', 3), entry('y', 3)]);
    const caches = new IsolateCaches();
    let now = 1_000_000;
    const refresh = async (e: Cloudflare.Env) => {
      now += 10_000;
      await caches.refreshBoard(e, now, 5_000);
    };
    await refresh(env);
    expect([...caches.board.keys()].sort()).toEqual(['x', 'y']);
    await board.publish([entry('y', 9), entry('z', 3)]);
    await refresh(env);
    expect([...caches.board.keys()].sort()).toEqual(['x', 'y', 'z']);
    expect(caches.board.get('y')?.stats.principals).toBe(9);

    // An object still on the previous version has no `changes`: the whole board is read instead.
    const previous = wrappedBinding(env.BOARD_STATE, (stub) => ({
      changes: () => Promise.reject(new TypeError('The RPC receiver does not implement "changes".')),
      snapshot: () => stub.snapshot(),
    }));
    caches.board.delete('x');
    await refresh({ ...env, BOARD_STATE: previous });
    expect([...caches.board.keys()].sort()).toEqual(['x', 'y', 'z']);
  });
});
