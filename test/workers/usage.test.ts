/**
 * What an answer cost, read from the accounting branch of the teed response: JSON bodies of both APIs,
 * SSE streams of both (with usage, and OpenAI's without it, estimated from the deltas), events and
 * characters split across chunks, answers that are too large or break off, and which answers are teed.
 */
import { describe, expect, it } from 'vitest';
import { accountable, accountResponse } from '../../src/guard/usage';

const JSON_TYPE = { 'content-type': 'application/json' };
const SSE_TYPE = { 'content-type': 'text/event-stream; charset=utf-8' };

/** A body delivered in these chunks (strings are UTF-8 encoded; byte arrays go as they are). */
function chunked(parts: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const p of parts) controller.enqueue(typeof p === 'string' ? encoder.encode(p) : p);
      controller.close();
    },
  });
}

const sse = (events: unknown[]) => events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('');

describe('accountResponse', () => {
  it('reads usage from an Anthropic and an OpenAI JSON answer', async () => {
    const anthropic = JSON.stringify({
      type: 'message',
      content: [{ type: 'text', text: 'hi' }],
      usage: { input_tokens: 12, output_tokens: 34 },
    });
    expect(await accountResponse(chunked([anthropic]), new Headers(JSON_TYPE))).toEqual({ inputTokens: 12, outputTokens: 34 });
    const openai = JSON.stringify({ choices: [{ message: { content: 'hi' } }], usage: { prompt_tokens: 5, completion_tokens: 7 } });
    expect(await accountResponse(chunked([openai.slice(0, 20), openai.slice(20)]), new Headers(JSON_TYPE))).toEqual({
      inputTokens: 5,
      outputTokens: 7,
    });
  });

  it('reads usage from an Anthropic stream, with events split across chunks', async () => {
    const text = sse([
      { type: 'message_start', message: { usage: { input_tokens: 40, output_tokens: 1 } } },
      { type: 'content_block_delta', delta: { type: 'text_delta', text: 'Hello' } },
      { type: 'message_delta', usage: { output_tokens: 250 } },
      { type: 'message_stop' },
    ]);
    const parts = [text.slice(0, 30), text.slice(30, 31), text.slice(31, 150), text.slice(150)];
    expect(await accountResponse(chunked(parts), new Headers(SSE_TYPE))).toEqual({ inputTokens: 40, outputTokens: 250 });
  });

  it('estimates an OpenAI stream without usage from its deltas, a character split across chunks included', async () => {
    // 'é' is two bytes in UTF-8: the chunk boundary falls between them.
    const text = `${sse([{ choices: [{ delta: { content: 'abcdefgh' } }] }, { choices: [{ delta: { content: 'caf\u00e9 ok' } }] }])}data: [DONE]\n\n`;
    const bytes = new TextEncoder().encode(text);
    const cut = bytes.indexOf(0xc3) + 1;
    const usage = await accountResponse(chunked([bytes.slice(0, cut), bytes.slice(cut)]), new Headers(SSE_TYPE));
    // 8 + 7 characters of deltas, about four a token.
    expect(usage).toEqual({ inputTokens: 0, outputTokens: 4 });
  });

  it('counts a stream that breaks off as far as it went', async () => {
    const start = sse([{ type: 'message_start', message: { usage: { input_tokens: 40, output_tokens: 1 } } }]);
    let pulls = 0;
    // The first read delivers an event, the second finds the origin gone.
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 0) controller.enqueue(new TextEncoder().encode(start));
        else controller.error(new Error('origin went away'));
      },
    });
    expect(await accountResponse(broken, new Headers(SSE_TYPE))).toEqual({ inputTokens: 40, outputTokens: 1 });
  });

  it('tees only answers that can carry usage: JSON and SSE', () => {
    expect(accountable(new Headers(JSON_TYPE))).toBe(true);
    expect(accountable(new Headers({ 'content-type': 'application/vnd.api+json' }))).toBe(true);
    expect(accountable(new Headers(SSE_TYPE))).toBe(true);
    expect(accountable(new Headers({ 'content-type': 'application/octet-stream' }))).toBe(false);
    expect(accountable(new Headers())).toBe(false);
  });

  it('counts a JSON answer declared larger than it reads, or one that breaks off, as zero', async () => {
    const big = new Headers({ ...JSON_TYPE, 'content-length': String(9 * 1024 * 1024) });
    const body = JSON.stringify({ usage: { input_tokens: 1, output_tokens: 2 } });
    expect(await accountResponse(chunked([body]), big)).toEqual({ inputTokens: 0, outputTokens: 0 });
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"usage":{"input_tokens":3'));
        controller.error(new Error('origin went away'));
      },
    });
    expect(await accountResponse(broken, new Headers(JSON_TYPE))).toEqual({ inputTokens: 0, outputTokens: 0 });
    expect(await accountResponse(chunked(['not json']), new Headers(JSON_TYPE))).toEqual({ inputTokens: 0, outputTokens: 0 });
  });
});
