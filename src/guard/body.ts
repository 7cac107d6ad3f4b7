/**
 * Read a request body once, within limits. Up to INSPECT_BYTES is read and kept (what the engine judges);
 * a larger body is judged on that prefix and its declared size, then streamed to the origin — the prefix
 * first, the rest straight from the client — without being held in memory.
 */
import type { GuardConfig } from '../config';

export interface ReadBody {
  /** What to forward: the whole body when it was read in full, else a stream of prefix + remainder. */
  forward: BodyInit | null;
  /** The first INSPECT_BYTES, decoded (invalid UTF-8 replaced): what the engine judges. */
  text: string;
  /** Bytes read, or the declared length of a body streamed on. */
  size: number;
  /** The whole body was read (only then can it be rewritten, e.g. degraded). */
  complete: boolean;
}

export type BodyResult = { ok: true; body: ReadBody } | { ok: false; reason: 'too_large'; size: number };

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** Stateless without `stream`, so one serves every request. */
const utf8 = new TextDecoder();

export async function readBody(request: Request, config: GuardConfig): Promise<BodyResult> {
  const method = request.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD' || !request.body)
    return { ok: true, body: { forward: null, text: '', size: 0, complete: true } };
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > config.maxBodyBytes) return { ok: false, reason: 'too_large', size: declared };
  if (Number.isFinite(declared) && declared <= config.inspectBytes) {
    // The common case, a declared size within what is judged: one native read instead of a chunk loop.
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > config.maxBodyBytes) return { ok: false, reason: 'too_large', size: bytes.byteLength };
    return { ok: true, body: { forward: bytes, text: utf8.decode(bytes), size: bytes.byteLength, complete: true } };
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      const bytes = concat(chunks, size);
      return { ok: true, body: { forward: bytes, text: utf8.decode(bytes), size, complete: true } };
    }
    size += value.byteLength;
    chunks.push(value);
    if (size > config.maxBodyBytes) {
      await reader.cancel();
      return { ok: false, reason: 'too_large', size };
    }
    if (size > config.inspectBytes) break;
  }
  // Larger than INSPECT_BYTES: judge the prefix, stream the rest on, still enforcing MAX_BODY_BYTES.
  const prefix = concat(chunks, size);
  let streamed = size;
  const forward = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(prefix);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      streamed += value.byteLength;
      if (streamed > config.maxBodyBytes) {
        await reader.cancel();
        controller.error(new Error(`request body exceeds ${config.maxBodyBytes} bytes`));
        return;
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  const text = utf8.decode(prefix.subarray(0, config.inspectBytes));
  return { ok: true, body: { forward, text, size: Number.isFinite(declared) ? declared : size, complete: false } };
}
