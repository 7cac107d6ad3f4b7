/** Read a request body once, within limits, keeping the bytes to forward and the text to inspect. */
import type { GuardConfig } from '../config';

export interface ReadBody {
  bytes: ArrayBuffer | null;
  /** The first INSPECT_BYTES, decoded (invalid UTF-8 replaced): what the engine judges. */
  text: string;
  size: number;
}

export type BodyResult = { ok: true; body: ReadBody } | { ok: false; reason: 'too_large'; size: number };

export async function readBody(request: Request, config: GuardConfig): Promise<BodyResult> {
  const method = request.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD' || !request.body) return { ok: true, body: { bytes: null, text: '', size: 0 } };
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > config.maxBodyBytes) return { ok: false, reason: 'too_large', size: declared };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > config.maxBodyBytes) {
      await reader.cancel();
      return { ok: false, reason: 'too_large', size };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.byteLength;
  }
  const text = new TextDecoder().decode(size > config.inspectBytes ? bytes.subarray(0, config.inspectBytes) : bytes);
  return { ok: true, body: { bytes: bytes.buffer, text, size } };
}
