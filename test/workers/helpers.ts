import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { createApp } from '../../src/app';
import type { PrincipalRecord } from '../../src/engine/state/principal';
import { STATE_KEY, type StoredPrincipal } from '../../src/state/principal-storage';

/** A principal's record as its object stored it (one value under `state`: docs/storage.md). */
export async function storedRecord(state: DurableObjectState): Promise<PrincipalRecord | undefined> {
  return (await state.storage.get<StoredPrincipal>(STATE_KEY))?.record;
}

/** Call a fresh app with env overrides, the way the runtime would, and wait for its background work. */
export async function callGuard(request: Request, overrides: Partial<Cloudflare.Env> = {}): Promise<Response> {
  const { response, background } = await callGuardLive(request, overrides);
  await background;
  return response;
}

/** The same, returning before background work ends (for streams the test itself drives). */
export async function callGuardLive(
  request: Request,
  overrides: Partial<Cloudflare.Env> = {},
): Promise<{ response: Response; background: Promise<void> }> {
  const ctx = createExecutionContext();
  const response = await createApp().fetch(request, { ...env, ...overrides }, ctx);
  return { response, background: waitOnExecutionContext(ctx) };
}

export function jsonRequest(path: string, body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(`http://localhost${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** Read a stream's chunks as text, one entry per chunk as delivered. */
export async function readChunks(body: ReadableStream<Uint8Array> | null): Promise<string[]> {
  const out: string[] = [];
  if (!body) return out;
  const decoder = new TextDecoder();
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(decoder.decode(value));
  }
}

export interface PrincipalCalls {
  observe: number;
  /** Usage entries carried by observe calls. */
  carried: number;
  batches: number;
  batched: number;
  /** Mirrored batches whose answer carried the object's record (the copy was not the object's). */
  resyncs: number;
  usage: number;
  /** `tookMs` of each observe answer. */
  took: Array<number | undefined>;
}

/**
 * A Durable Object binding whose stubs are what `wrap` makes of the real ones: to count the calls the
 * isolate makes, or to stand in for an object still on the previous version. Pass it as an env override.
 */
export function wrappedBinding<T extends Rpc.DurableObjectBranded | undefined>(
  real: DurableObjectNamespace<T>,
  wrap: (stub: DurableObjectStub<T>) => object,
): DurableObjectNamespace<T> {
  const wrapped = { idFromName: (name: string) => real.idFromName(name), get: (id: DurableObjectId) => wrap(real.get(id)) };
  return wrapped as unknown as DurableObjectNamespace<T>;
}

/** PRINCIPAL_STATE wrapped to count the calls the isolate makes, by kind. The objects behind it are the real ones. */
export function countingPrincipalState(): { binding: typeof env.PRINCIPAL_STATE; calls: PrincipalCalls } {
  const calls: PrincipalCalls = { observe: 0, carried: 0, batches: 0, batched: 0, resyncs: 0, usage: 0, took: [] };
  const binding = wrappedBinding(env.PRINCIPAL_STATE, (stub) => ({
    observe: async (input: Parameters<typeof stub.observe>[0]) => {
      calls.observe++;
      calls.carried += input.usage?.length ?? 0;
      const out = await stub.observe(input);
      calls.took.push(out.tookMs);
      return out;
    },
    observeMirrored: async (...args: Parameters<typeof stub.observeMirrored>) => {
      calls.batches++;
      calls.batched += args[0].length;
      const sync = await stub.observeMirrored(...args);
      if (sync.record) calls.resyncs++;
      return sync;
    },
    usage: (...args: Parameters<typeof stub.usage>) => {
      calls.usage++;
      return stub.usage(...args);
    },
  }));
  return { binding, calls };
}
