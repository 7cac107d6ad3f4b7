/**
 * The objects' throttled write (src/state/write-behind.ts): at most one write a window, a held change
 * written with its follow-up or at the window's end, and a window of 0 writing at once.
 */
import { describe, expect, it } from 'vitest';
import { WriteBehind } from '../../src/state/write-behind';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function counting() {
  const writes: number[] = [];
  const started = Date.now();
  const writer = new WriteBehind(
    async () => {
      writes.push(Date.now() - started);
    },
    (err) => {
      throw err;
    },
  );
  return { writer, writes };
}

describe('WriteBehind', () => {
  it('writes a change at once after a quiet window, and the changes of a busy one once at its end', async () => {
    const { writer, writes } = counting();
    await writer.soon(100);
    expect(writes).toHaveLength(1);
    await writer.soon(100);
    await writer.soon(100);
    expect(writes).toHaveLength(1);
    await sleep(160);
    expect(writes).toHaveLength(2);
    expect(writes[1]).toBeGreaterThanOrEqual(95);
  });

  it('holds a change for its follow-up and writes both at once, unless a write was made within the window', async () => {
    const { writer, writes } = counting();
    await writer.hold(1_000);
    await writer.hold(1_000);
    expect(writes).toHaveLength(0);
    await writer.soon(1_000);
    expect(writes).toHaveLength(1);
    // Within the window of that write, a held change and its follow-up wait for the window's end.
    await writer.hold(1_000);
    await writer.soon(1_000);
    expect(writes).toHaveLength(1);
  });

  it('writes a held change whose follow-up never comes when its window ends, once', async () => {
    const { writer, writes } = counting();
    await writer.hold(80);
    await sleep(40);
    await writer.hold(80);
    await sleep(90);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toBeGreaterThanOrEqual(75);
    expect(writes[0]).toBeLessThan(120);
  });

  it('lets a held change ride on a write already waiting for its window, which a follow-up does not hurry', async () => {
    const { writer, writes } = counting();
    await writer.soon(100);
    await writer.soon(100); // waits for the window's end
    await writer.hold(100);
    await writer.soon(100);
    expect(writes).toHaveLength(1);
    await sleep(160);
    expect(writes).toHaveLength(2);
  });

  it('writes at once with a window of 0, held or not, and when told to write now', async () => {
    const { writer, writes } = counting();
    await writer.hold(0);
    await writer.soon(0);
    expect(writes).toHaveLength(2);
    await writer.hold(10_000);
    await writer.now();
    expect(writes).toHaveLength(3);
    await writer.now();
    expect(writes).toHaveLength(4);
  });

  it('drops a waiting write when a write made elsewhere stored everything, and starts its window', async () => {
    const { writer, writes } = counting();
    await writer.hold(60);
    writer.wrote();
    await sleep(100);
    expect(writes).toHaveLength(0);
    await writer.soon(1_000);
    await sleep(20);
    expect(writes).toHaveLength(0);
  });
});
