/** The built-in mock model API, through the guard with the local default ORIGIN_URL=mock. */
import { describe, expect, it } from 'vitest';
import { callGuard, jsonRequest, readChunks } from './helpers';

const MOCK = { ORIGIN_URL: 'mock' };
const ANTHROPIC = { 'x-api-key': 'sk-ant-local-org-acme', 'anthropic-version': '2023-06-01' };
const OPENAI = { authorization: 'Bearer sk-local' };

function sseData(chunks: string[]): string[] {
  return chunks
    .join('')
    .split('\n\n')
    .filter(Boolean)
    .map(
      (e) =>
        e
          .split('\n')
          .find((l) => l.startsWith('data: '))
          ?.slice(6) ?? '',
    );
}

describe('mock Anthropic Messages', () => {
  const body = { model: 'claude-sonnet-5-5', max_tokens: 400, messages: [{ role: 'user', content: 'Tell me about tides.' }] };

  it('answers JSON with the real shape, usage and the organization header', async () => {
    const res = await callGuard(jsonRequest('/v1/messages', body, ANTHROPIC), MOCK);
    expect(res.status).toBe(200);
    expect(res.headers.get('anthropic-organization-id')).toBe('org-acme');
    const msg = (await res.json()) as {
      id: string;
      type: string;
      role: string;
      content: Array<{ type: string; text: string }>;
      stop_reason: string;
      usage: { input_tokens: number; output_tokens: number };
    };
    expect(msg.id).toMatch(/^msg_/);
    expect(msg).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn' });
    expect(msg.content).toHaveLength(1);
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    // One generated word is one token: the count matches the text.
    expect(msg.usage.output_tokens).toBe(msg.content[0]?.text.split(' ').length);
  });

  it('is deterministic for the same request', async () => {
    const a = await (await callGuard(jsonRequest('/v1/messages', body, ANTHROPIC), MOCK)).json();
    const b = await (await callGuard(jsonRequest('/v1/messages', body, ANTHROPIC), MOCK)).json();
    expect(a).toEqual(b);
  });

  it('adds a thinking block within the budget, and honours max_tokens', async () => {
    const req = { ...body, max_tokens: 3000, thinking: { type: 'enabled', budget_tokens: 1500 } };
    const msg = (await (await callGuard(jsonRequest('/v1/messages', req, ANTHROPIC), MOCK)).json()) as {
      content: Array<{ type: string; thinking?: string; text?: string }>;
      usage: { output_tokens: number };
    };
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    const thinkingTokens = msg.content[0]?.thinking?.split(' ').length ?? 0;
    expect(thinkingTokens).toBeGreaterThan(100);
    expect(thinkingTokens).toBeLessThanOrEqual(1500);
    const short = (await (await callGuard(jsonRequest('/v1/messages', { ...body, max_tokens: 7 }, ANTHROPIC), MOCK)).json()) as {
      stop_reason: string;
      usage: { output_tokens: number };
    };
    expect(short.stop_reason).toBe('max_tokens');
    expect(short.usage.output_tokens).toBe(7);
  });

  it('longer, reasoning-style prompts get longer answers', async () => {
    const ask = (content: string) =>
      callGuard(jsonRequest('/v1/messages', { ...body, max_tokens: 4000, messages: [{ role: 'user', content }] }, ANTHROPIC), MOCK)
        .then((r) => r.json() as Promise<{ usage: { output_tokens: number } }>)
        .then((m) => m.usage.output_tokens);
    expect(await ask('Solve step by step: 17 * 23 + 4')).toBeGreaterThan(await ask('hi'));
  });

  it('streams the documented event sequence with usage in message_start and message_delta', async () => {
    const req = { ...body, stream: true, max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1024 } };
    const res = await callGuard(jsonRequest('/v1/messages', req, ANTHROPIC), MOCK);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const chunks = await readChunks(res.body);
    expect(chunks.length).toBeGreaterThan(5);
    const events = sseData(chunks).map(
      (d) => JSON.parse(d) as { type: string; delta?: { type?: string }; usage?: { output_tokens: number } },
    );
    const types = events.map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['message_start', 'ping', 'content_block_start']);
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(events.some((e) => e.delta?.type === 'thinking_delta')).toBe(true);
    expect(events.some((e) => e.delta?.type === 'signature_delta')).toBe(true);
    expect(events.some((e) => e.delta?.type === 'text_delta')).toBe(true);
    expect(events.find((e) => e.type === 'message_delta')?.usage?.output_tokens).toBeGreaterThan(100);
  });

  it('answers errors in the Anthropic shape: no key, bad JSON, missing fields', async () => {
    const noKey = await callGuard(jsonRequest('/v1/messages', body, { 'anthropic-version': '2023-06-01' }), MOCK);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const bad = await callGuard(new Request('http://localhost/v1/messages', { method: 'POST', headers: ANTHROPIC, body: '{nope' }), MOCK);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const missing = await callGuard(jsonRequest('/v1/messages', { model: 'm', messages: [] }, ANTHROPIC), MOCK);
    expect(missing.status).toBe(400);
  });
});

describe('mock OpenAI Chat Completions', () => {
  const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Name three rivers.' }] };

  it('answers JSON with usage, n choices and logprobs when asked', async () => {
    const res = await callGuard(jsonRequest('/v1/chat/completions', { ...body, n: 2, logprobs: true, top_logprobs: 3 }, OPENAI), MOCK);
    expect(res.headers.get('openai-organization')).toMatch(/^org-/);
    const c = (await res.json()) as {
      object: string;
      choices: Array<{ message: { content: string }; logprobs: { content: Array<{ top_logprobs: unknown[] }> } }>;
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    expect(c.object).toBe('chat.completion');
    expect(c.choices).toHaveLength(2);
    expect(c.choices[0]?.logprobs.content[0]?.top_logprobs).toHaveLength(3);
    expect(c.usage.total_tokens).toBe(c.usage.prompt_tokens + c.usage.completion_tokens);
  });

  it('counts reasoning tokens for reasoning_effort', async () => {
    const c = (await (
      await callGuard(jsonRequest('/v1/chat/completions', { ...body, model: 'o4-mini', reasoning_effort: 'high' }, OPENAI), MOCK)
    ).json()) as { usage: { completion_tokens_details: { reasoning_tokens: number } } };
    expect(c.usage.completion_tokens_details.reasoning_tokens).toBeGreaterThan(100);
  });

  it('streams chunks ending in [DONE], with usage only when stream_options.include_usage is set', async () => {
    const plain = sseData(
      await readChunks((await callGuard(jsonRequest('/v1/chat/completions', { ...body, stream: true }, OPENAI), MOCK)).body),
    );
    expect(plain.at(-1)).toBe('[DONE]');
    expect(plain.slice(0, -1).every((d) => !('usage' in JSON.parse(d)))).toBe(true);

    const withUsage = sseData(
      await readChunks(
        (
          await callGuard(
            jsonRequest('/v1/chat/completions', { ...body, stream: true, stream_options: { include_usage: true } }, OPENAI),
            MOCK,
          )
        ).body,
      ),
    );
    expect(withUsage.at(-1)).toBe('[DONE]');
    const last = JSON.parse(withUsage.at(-2) as string) as { choices: unknown[]; usage: { completion_tokens: number } };
    expect(last.choices).toEqual([]);
    expect(last.usage.completion_tokens).toBeGreaterThan(0);
    const finish = withUsage.map((d) => (d === '[DONE]' ? null : JSON.parse(d))).find((c) => c?.choices?.[0]?.finish_reason);
    expect(finish?.choices[0].finish_reason).toBe('stop');
  });

  it('answers errors in the OpenAI shape', async () => {
    const res = await callGuard(jsonRequest('/v1/chat/completions', { messages: [] }, OPENAI), MOCK);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error', param: 'model' } });
  });
});

describe('mock models list', () => {
  it('answers in the Anthropic shape with anthropic-version, else the OpenAI shape', async () => {
    const a = (await (await callGuard(new Request('http://localhost/v1/models', { headers: ANTHROPIC }), MOCK)).json()) as {
      data: Array<{ type: string }>;
    };
    expect(a.data[0]?.type).toBe('model');
    const o = (await (await callGuard(new Request('http://localhost/v1/models', { headers: OPENAI }), MOCK)).json()) as {
      object: string;
    };
    expect(o.object).toBe('list');
  });
});
