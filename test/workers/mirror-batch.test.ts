/**
 * A mirrored principal's batches (src/guard/mirror.ts): a short batch stays open, a window at a time,
 * up to MIRROR_BATCH_MAX_MS, so a key sending about once a second makes one object call per few
 * requests instead of one each; a full batch, or one holding a stop, leaves at the end of its window.
 * And the settings are bounded: a batch held for longer than half a mirror's life is refused.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../src/config';
import { engineKeys, fingerprint } from '../../src/engine/fingerprint';
import { newPrincipal } from '../../src/engine/state/principal';
import { adoptMirror, type Mirror, type MirrorWindow, mirrorOf, queueMirrored } from '../../src/guard/mirror';
import type { MirrorSync, ObserveInput } from '../../src/state/principal-step';
import { anthropic } from './engine/requests';

const keys = engineKeys('test-pepper');

function input(key: string, i: number): ObserveInput {
  return {
    features: fingerprint(anthropic({ key, prompt: `Question ${i}: what is a good name for a dog?` }), { keys }),
    sightings: [],
    list: null,
    rulesVersion: 0,
    now: Date.now(),
  };
}

/** A fresh mirror for `key`, and a `send` that records when each batch left and what it held. */
function mirrored(key: string) {
  const principal = input(key, 0).features.principal;
  adoptMirror(principal, newPrincipal(principal, Date.now()), 1, Date.now(), 0);
  const m = mirrorOf(principal, Date.now(), 0) as Mirror;
  const started = Date.now();
  const sent: Array<{ at: number; requests: number }> = [];
  const send = async (batch: ObserveInput[], base: number | null): Promise<MirrorSync> => {
    sent.push({ at: Date.now() - started, requests: batch.length });
    return { seq: (base ?? 0) + batch.length, mirror: true };
  };
  const queue = (i: number, urgent: boolean, window: MirrorWindow) =>
    queueMirrored(principal, m, input(key, i), urgent, window, send, () => {}, Date.now);
  return { m, sent, queue };
}

const window: MirrorWindow = { batchMs: 30, batchMaxMs: 200 };

describe('mirrored batches', () => {
  it('holds a short batch open up to the limit and sends what came meanwhile with it', async () => {
    const { m, sent, queue } = mirrored('sk-mirror-hold');
    const flush = queue(1, false, window);
    expect(flush).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 80));
    // One batch is open: the next request joins it.
    expect(queue(2, false, window)).toBeNull();
    await flush;
    expect(sent).toHaveLength(1);
    expect(sent[0]?.requests).toBe(2);
    expect(sent[0]?.at).toBeGreaterThanOrEqual(195);
    // The answer renewed the copy on the version the object reported.
    expect(m.seq).toBe(3);
    expect(m.flushing).toBe(false);
  });

  it('sends a full batch at the end of its first window', async () => {
    const { sent, queue } = mirrored('sk-mirror-full');
    const flush = queue(0, false, window);
    for (let i = 1; i < 16; i++) queue(i, false, window);
    await flush;
    expect(sent).toEqual([{ at: expect.any(Number), requests: 16 }]);
    expect(sent[0]?.at).toBeLessThan(150);
  });

  it('sends a batch holding a stop at the end of its window, and holds the next one again', async () => {
    const { m, sent, queue } = mirrored('sk-mirror-stop');
    const flush = queue(0, false, window);
    queue(1, true, window);
    await flush;
    expect(sent).toHaveLength(1);
    expect(sent[0]?.at).toBeLessThan(150);
    expect(m.urgent).toBe(false);
    const next = queue(2, false, window);
    await next;
    expect(sent[1]?.requests).toBe(1);
    expect((sent[1]?.at ?? 0) - (sent[0]?.at ?? 0)).toBeGreaterThanOrEqual(195);
  });

  it('is never held with a window of 0, whatever the limit', async () => {
    for (const batchMaxMs of [0, 2_000]) {
      const { sent, queue } = mirrored(`sk-mirror-zero-${batchMaxMs}`);
      await queue(0, false, { batchMs: 0, batchMaxMs });
      expect(sent[0]?.at).toBeLessThan(100);
    }
  });
});

describe('mirror batch settings', () => {
  const config = (vars: Partial<Cloudflare.Env>) => () => readConfig({ ...vars } as Cloudflare.Env);

  it('defaults to a 250 ms window held up to 2 s, and never holds less than one window', () => {
    expect(config({})()).toMatchObject({ mirrorBatchMs: 250, mirrorBatchMaxMs: 2_000 });
    expect(config({ MIRROR_BATCH_MS: '1000', MIRROR_BATCH_MAX_MS: '500' })()).toMatchObject({
      mirrorBatchMs: 1_000,
      mirrorBatchMaxMs: 1_000,
    });
  });

  it('refuses a batch held longer than half a mirror’s life', () => {
    expect(config({ MIRROR_BATCH_MAX_MS: '5001' })).toThrow(ConfigError);
    expect(config({ MIRROR_BATCH_MS: '6000' })).toThrow(/MIRROR_BATCH_MS="6000" must be <= 5000/);
  });
});
