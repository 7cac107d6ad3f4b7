/**
 * The built-in mock model API (ORIGIN_URL=mock): enough of Anthropic's and OpenAI's APIs for local
 * development and tests on a machine with no upstream. Keys: every key is accepted except a missing one
 * or one containing "invalid" (401). A key containing `org-<id>` belongs to that organization;
 * otherwise the organization is derived from the key, and sent back as the real APIs do.
 */
import { apiErrorResponse } from '../actions/errors';
import { apiKeyOf } from '../engine/fingerprint/identity';
import { apiFamily, apiSurface } from '../engine/surface';
import { anthropicBatchCreate, anthropicMessages } from './anthropic';
import { fnv1a, mockId } from './generate';
import { openaiChat } from './openai';

const MODELS = [
  { id: 'claude-sonnet-5-5', display: 'Claude Sonnet 5.5', owner: 'anthropic' },
  { id: 'claude-haiku-5-5', display: 'Claude Haiku 5.5', owner: 'anthropic' },
  { id: 'claude-haiku-4-5', display: 'Claude Haiku 4.5', owner: 'anthropic' },
  { id: 'gpt-4o-mini', display: 'GPT-4o mini', owner: 'openai' },
  { id: 'o4-mini', display: 'o4-mini', owner: 'openai' },
];

export function mockOrganization(key: string): string {
  const named = key.match(/org-([A-Za-z0-9]+)/)?.[1];
  return named ? `org-${named}` : `org-${fnv1a(`org:${key}`).toString(16)}`;
}

function models(family: 'anthropic' | 'openai', headers: Headers): Response {
  headers.set('content-type', 'application/json');
  const body =
    family === 'anthropic'
      ? {
          data: MODELS.map((m) => ({ type: 'model', id: m.id, display_name: m.display, created_at: '2025-09-29T00:00:00Z' })),
          has_more: false,
          first_id: MODELS[0]?.id,
          last_id: MODELS.at(-1)?.id,
        }
      : { object: 'list', data: MODELS.map((m) => ({ id: m.id, object: 'model', created: 1_727_000_000, owned_by: m.owner })) };
  return new Response(JSON.stringify(body), { status: 200, headers });
}

export interface MockOptions {
  /** Delay between SSE events, to make streaming visible in a terminal. */
  streamDelayMs?: number;
}

export async function mockOrigin(request: Request, options: MockOptions = {}): Promise<Response> {
  const url = new URL(request.url);
  const surface = apiSurface(url.pathname);
  const family = apiFamily(url.pathname, request.headers.get('anthropic-version'));
  const shape = family === 'anthropic' ? 'anthropic' : 'openai';
  const key = apiKeyOf(Object.fromEntries(request.headers));
  if (!key) return apiErrorResponse(shape, 'authentication', 'No API key provided (x-api-key or Authorization: Bearer).');
  if (key.includes('invalid')) return apiErrorResponse(shape, 'authentication', 'invalid x-api-key');

  const org = mockOrganization(key);
  const headers = new Headers({ 'x-mock-origin': 'distill-guard' });
  const requestId = mockId('req_', fnv1a(`${Date.now()}:${Math.random()}`));
  if (shape === 'anthropic') {
    headers.set('anthropic-organization-id', org);
    headers.set('request-id', requestId);
  } else {
    headers.set('openai-organization', org);
    headers.set('x-request-id', requestId);
  }
  const delay = options.streamDelayMs ?? 0;
  const method = request.method.toUpperCase();
  if (surface === 'models' && method === 'GET') return models(shape, headers);
  if (surface === 'anthropic.messages' && method === 'POST') return anthropicMessages(request, headers, delay);
  if (surface === 'anthropic.batches' && method === 'POST' && /\/batches\/?$/.test(url.pathname)) {
    return anthropicBatchCreate(request, headers);
  }
  if (surface === 'openai.chat' && method === 'POST') return openaiChat(request, headers, delay);
  return apiErrorResponse(shape, 'not_found', `The mock model API has no ${method} ${url.pathname}.`);
}
