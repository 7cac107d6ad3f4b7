/** Raw requests for engine tests, shaped as the Worker and the replay build them. */
import type { RawRequest } from '../../../src/engine/types';

export interface Ask {
  key?: string;
  prompt?: string;
  ip?: string;
  messages?: Array<{ role: string; content: unknown }>;
  thinking?: number;
  maxTokens?: number;
  system?: string;
  extra?: Record<string, unknown>;
  path?: string;
  headers?: Record<string, string>;
}

export function anthropic(ask: Ask = {}): RawRequest {
  const body = JSON.stringify({
    model: 'claude-sonnet-5-5',
    max_tokens: ask.maxTokens ?? 1024,
    ...(ask.system ? { system: ask.system } : {}),
    ...(ask.thinking ? { thinking: { type: 'enabled', budget_tokens: ask.thinking } } : {}),
    messages: ask.messages ?? [{ role: 'user', content: ask.prompt ?? 'Hello there' }],
    ...ask.extra,
  });
  return {
    method: 'POST',
    url: `https://api.example.com${ask.path ?? '/v1/messages'}`,
    headers: {
      'content-type': 'application/json',
      'x-api-key': ask.key ?? 'sk-ant-test-key',
      'user-agent': 'Anthropic/JS 1.14.0',
      'x-stainless-lang': 'js',
      'x-stainless-package-version': '1.14.0',
      ...ask.headers,
    },
    ip: ask.ip ?? '198.51.100.7',
    cf: { asn: 64500, country: 'US' },
    body,
    bodyBytes: body.length,
  };
}
