/**
 * The isolate's calls to a principal's Durable Object that no request waits for: a mirrored principal's
 * batches, and usage no request carried. (The awaited `observe` is in guard.ts, on the request path.)
 */
import type { UsageEntry } from '../engine/types';
import { countCall } from '../isolate-stats';
import type { MirrorSync, ObserveInput } from '../state/principal-step';
import { isMissingMethod } from './missing-method';

/** Made where a call is made: a mirrored request, decided here, makes none. */
export function principalStub(env: Cloudflare.Env, principal: string) {
  return env.PRINCIPAL_STATE.get(env.PRINCIPAL_STATE.idFromName(principal));
}

/**
 * A mirrored principal's batch. During a deploy an object can run the previous version for minutes (the
 * runtime defers a busy object's code update), and that version has `observeBatch` but not
 * `observeMirrored`: the batch then goes as `observeBatch`, whose last answer carries the record, so no
 * request is lost to the object meanwhile. Only the missing method falls back: every other failure may
 * come after the object applied the batch, and sending it again would count it twice.
 */
export async function sendMirrored(
  env: Cloudflare.Env,
  principal: string,
  batch: ObserveInput[],
  base: number | null,
): Promise<MirrorSync> {
  countCall('mirrorBatches');
  const stub = principalStub(env, principal);
  try {
    return await stub.observeMirrored(batch, base);
  } catch (err) {
    if (!isMissingMethod(err)) throw err;
    const last = (await stub.observeBatch(batch.map((i) => ({ ...i, mirrorFrom: 0 })))).at(-1);
    return last?.record ? { seq: last.seq ?? null, record: last.record, mirror: true } : { seq: null, mirror: false };
  }
}

/** Usage no request carried in time: one call per principal that has some. */
export async function sendUsage(env: Cloudflare.Env, batch: Map<string, UsageEntry[]>): Promise<void> {
  countCall('usage', batch.size);
  await Promise.all(
    [...batch].map(([principal, entries]) =>
      principalStub(env, principal)
        .usage(principal, entries)
        .catch((err: unknown) =>
          console.error(JSON.stringify({ event: 'usage_failed', principal, entries: entries.length, message: String(err) })),
        ),
    ),
  );
}
