/**
 * Response-side accounting without delaying the client: the body is teed, the client gets one branch
 * untouched, and this reads the other in `waitUntil`. `usage` comes from the JSON body or the SSE events;
 * a stream without usage (OpenAI without `stream_options.include_usage`) is estimated from its deltas.
 */
import { type JsonObject as Json, asObject as obj, usageOf } from '../engine/json';
import type { Usage } from '../engine/types';

const MAX_ACCOUNTED_BYTES = 8 * 1024 * 1024;

/** Folds SSE events (Anthropic or OpenAI) into usage, counting delta text for the estimate. */
export class StreamAccount {
  private usage: Partial<Usage> = {};
  private deltaChars = 0;
  private buffer = '';

  push(text: string): void {
    this.buffer += text;
    let cut = this.buffer.indexOf('\n\n');
    while (cut >= 0) {
      this.event(this.buffer.slice(0, cut));
      this.buffer = this.buffer.slice(cut + 2);
      cut = this.buffer.indexOf('\n\n');
    }
  }

  private event(block: string): void {
    for (const line of block.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (!data || data === '[DONE]') continue;
      let e: Json | null;
      try {
        e = obj(JSON.parse(data));
      } catch {
        continue;
      }
      if (!e) continue;
      Object.assign(this.usage, usageOf(obj(e.message)?.usage), usageOf(e.usage));
      const delta = obj(e.delta);
      if (delta) this.deltaChars += String(delta.text ?? delta.thinking ?? delta.partial_json ?? '').length;
      if (Array.isArray(e.choices)) for (const ch of e.choices) this.deltaChars += String(obj(obj(ch)?.delta)?.content ?? '').length;
    }
  }

  result(): Usage {
    return {
      inputTokens: this.usage.inputTokens ?? 0,
      outputTokens: this.usage.outputTokens ?? Math.ceil(this.deltaChars / 4),
    };
  }
}

const NOTHING: Usage = { inputTokens: 0, outputTokens: 0 };

/** Answers that can carry usage: JSON bodies and SSE streams. Others are passed on without a tee. */
export function accountable(headers: Headers): boolean {
  const type = headers.get('content-type') ?? '';
  return type.includes('json') || type.includes('text/event-stream');
}

/**
 * Read an accounting branch to the end and return what the answer cost. A JSON answer is read natively
 * in one piece (`Response.text()`; JSON.parse needs all of it anyway): in local workerd a JavaScript
 * reader loop over the branch cost about 150 µs of CPU more per request, for a one-chunk answer. A
 * stream is folded event by event, so memory stays bounded however long it runs. An answer that
 * declares more than MAX_ACCOUNTED_BYTES is not read (its usage counts as unknown, i.e. zero); a JSON
 * answer of undeclared length is read whole, as model APIs' answers are bounded by their max_tokens;
 * one that breaks off counts as zero (JSON) or as far as it went (a stream).
 */
export async function accountResponse(body: ReadableStream<Uint8Array>, headers: Headers): Promise<Usage> {
  if (Number(headers.get('content-length') ?? 0) > MAX_ACCOUNTED_BYTES) {
    await body.cancel().catch(() => {});
    return NOTHING;
  }
  if ((headers.get('content-type') ?? '').includes('text/event-stream')) return accountStream(body);
  try {
    const u = usageOf(obj(JSON.parse(await new Response(body).text()))?.usage);
    return { inputTokens: u.inputTokens ?? 0, outputTokens: u.outputTokens ?? 0 };
  } catch {
    return NOTHING;
  }
}

/** An SSE branch, event by event, up to MAX_ACCOUNTED_BYTES. */
async function accountStream(body: ReadableStream<Uint8Array>): Promise<Usage> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  const stream = new StreamAccount();
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > MAX_ACCOUNTED_BYTES) {
        reader.cancel().catch(() => {});
        break;
      }
      stream.push(decoder.decode(value, { stream: true }));
    }
  } catch {
    // The client or the origin went away mid-answer: account for what was seen.
  }
  return stream.result();
}
