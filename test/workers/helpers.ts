import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { createApp } from '../../src/app';

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
