/**
 * End to end over real HTTP: the official SDKs, pointed at the guard by `baseURL`, call through the
 * Worker (served by wrangler, as `npm run dev` serves it) to a real origin on loopback and back.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGuard, startGuard } from './helpers/guard';
import { startOrigin, type TestOrigin } from './helpers/origin';

let origin: TestOrigin;
let guard: RunningGuard;
let mockGuard: RunningGuard;

beforeAll(async () => {
  origin = await startOrigin({ streamDelayMs: 2 });
  [guard, mockGuard] = await Promise.all([startGuard({ ORIGIN_URL: origin.url }), startGuard({ ORIGIN_URL: 'mock' })]);
});

afterAll(async () => {
  await Promise.all([guard?.stop(), mockGuard?.stop()]);
  await origin?.close();
});

describe('official SDKs through the guard to a real origin', () => {
  it('Anthropic Messages: JSON', async () => {
    const client = new Anthropic({ apiKey: 'sk-ant-e2e-org-acme-1', baseURL: guard.url, maxRetries: 0 });
    const message = await client.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 300,
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    });
    expect(message.type).toBe('message');
    expect(message.content[0]?.type).toBe('text');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    const seen = origin.received.at(-1);
    expect(seen?.url).toBe('/v1/messages');
    // SDK 1.x sends the key as a bearer token; older ones as x-api-key. Either must arrive unchanged.
    expect(seen?.headers['x-api-key'] ?? seen?.headers.authorization).toMatch(/^(Bearer )?sk-ant-e2e-org-acme-1$/);
    expect(JSON.parse(seen?.body ?? '{}').messages[0].content).toBe('What is the capital of France?');
  });

  it('Anthropic Messages: streaming with thinking, events in order and usage at the end', async () => {
    const client = new Anthropic({ apiKey: 'sk-ant-e2e-2', baseURL: guard.url, maxRetries: 0 });
    const stream = client.messages.stream({
      model: 'claude-sonnet-5-5',
      max_tokens: 2000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: 'Prove that there are infinitely many primes.' }],
    });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const final = await stream.finalMessage();
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(final.usage.output_tokens).toBeGreaterThan(100);
  });

  it('OpenAI Chat Completions: JSON and streaming with usage', async () => {
    const client = new OpenAI({ apiKey: 'sk-e2e-3', baseURL: `${guard.url}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello.' }],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);

    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Count to ten.' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(origin.received.at(-1)?.headers.authorization).toBe('Bearer sk-e2e-3');
  });

  it('models list passes through', async () => {
    const client = new OpenAI({ apiKey: 'sk-e2e-4', baseURL: `${guard.url}/v1`, maxRetries: 0 });
    const models = await client.models.list();
    expect(models.data.length).toBeGreaterThan(0);
  });
});

describe('the default configuration serves the built-in mock', () => {
  it('answers a Messages call with no upstream at all', async () => {
    const client = new Anthropic({ apiKey: 'sk-ant-local', baseURL: mockGuard.url, maxRetries: 0 });
    const message = await client.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(message.content[0]?.type).toBe('text');
    expect(message.usage.input_tokens).toBeGreaterThan(0);
  });
});
