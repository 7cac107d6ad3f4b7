/** The mock's Anthropic Messages API: JSON and SSE with the documented event sequence. */
import { apiErrorResponse } from '../actions/errors';
import { type AnswerPlan, chunkTokens, contentText, mockId, planAnswer } from './generate';
import { type SseEvent, sseResponse } from './sse';

interface MessagesBody {
  model?: unknown;
  messages?: unknown;
  max_tokens?: unknown;
  system?: unknown;
  stream?: unknown;
  thinking?: { type?: unknown; budget_tokens?: unknown };
}

function invalid(message: string): Response {
  return apiErrorResponse('anthropic', 'invalid_request', message);
}

function thinkingBudget(thinking: MessagesBody['thinking']): number {
  if (!thinking || typeof thinking !== 'object') return 0;
  if (thinking.type === 'enabled') return typeof thinking.budget_tokens === 'number' ? thinking.budget_tokens : 1024;
  if (thinking.type === 'adaptive') return 2048;
  return 0;
}

function content(plan: AnswerPlan): unknown[] {
  const blocks: unknown[] = [];
  if (plan.thinking.length > 0) {
    blocks.push({ type: 'thinking', thinking: plan.thinking.join(''), signature: mockId('sig_', plan.seed) });
  }
  blocks.push({ type: 'text', text: plan.text.join('') });
  return blocks;
}

function usage(plan: AnswerPlan, outputTokens: number) {
  return {
    input_tokens: plan.inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outputTokens,
  };
}

function streamEvents(id: string, model: string, plan: AnswerPlan): SseEvent[] {
  const ev = (type: string, payload: Record<string, unknown>): SseEvent => ({
    event: type,
    data: JSON.stringify({ type, ...payload }),
  });
  const events: SseEvent[] = [
    ev('message_start', {
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: usage(plan, 1),
      },
    }),
    ev('ping', {}),
  ];
  let index = 0;
  if (plan.thinking.length > 0) {
    events.push(ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
    for (const thinking of chunkTokens(plan.thinking, plan.seed ^ 1)) {
      events.push(ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking } }));
    }
    events.push(ev('content_block_delta', { index, delta: { type: 'signature_delta', signature: mockId('sig_', plan.seed) } }));
    events.push(ev('content_block_stop', { index }));
    index++;
  }
  events.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }));
  for (const text of chunkTokens(plan.text, plan.seed)) {
    events.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text } }));
  }
  events.push(ev('content_block_stop', { index }));
  events.push(
    ev('message_delta', {
      delta: { stop_reason: plan.truncated ? 'max_tokens' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: plan.thinking.length + plan.text.length },
    }),
  );
  events.push(ev('message_stop', {}));
  return events;
}

export async function anthropicMessages(request: Request, headers: Headers, delayMs: number): Promise<Response> {
  const raw = await request.text();
  let body: MessagesBody;
  try {
    body = JSON.parse(raw) as MessagesBody;
  } catch {
    return invalid('The request body is not valid JSON.');
  }
  if (!body || typeof body !== 'object') return invalid('The request body must be a JSON object.');
  if (typeof body.model !== 'string') return invalid('model: Field required');
  if (typeof body.max_tokens !== 'number' || body.max_tokens < 1) return invalid('max_tokens: Field required');
  if (!Array.isArray(body.messages) || body.messages.length === 0) return invalid('messages: Field required');
  const budget = thinkingBudget(body.thinking);
  if (budget > 0 && budget >= body.max_tokens) return invalid('`max_tokens` must be greater than `thinking.budget_tokens`.');

  const messages = body.messages as Array<{ role?: unknown; content?: unknown }>;
  const lastUser = [...messages].reverse().find((m) => m?.role === 'user');
  const prompt = contentText(lastUser?.content);
  const plan = planAnswer(raw, prompt, body.max_tokens, budget);
  const id = mockId('msg_', plan.seed);
  if (body.stream === true) return sseResponse(streamEvents(id, body.model, plan), headers, delayMs);

  headers.set('content-type', 'application/json');
  return new Response(
    JSON.stringify({
      id,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: content(plan),
      stop_reason: plan.truncated ? 'max_tokens' : 'end_turn',
      stop_sequence: null,
      usage: usage(plan, plan.thinking.length + plan.text.length),
    }),
    { status: 200, headers },
  );
}

/** Message Batches: accepted and reported in progress (the mock never finishes them). */
export async function anthropicBatchCreate(request: Request, headers: Headers): Promise<Response> {
  let body: { requests?: unknown };
  try {
    body = (await request.json()) as { requests?: unknown };
  } catch {
    return invalid('The request body is not valid JSON.');
  }
  if (!Array.isArray(body?.requests) || body.requests.length === 0) return invalid('requests: Field required');
  const now = new Date();
  headers.set('content-type', 'application/json');
  return new Response(
    JSON.stringify({
      id: mockId('msgbatch_', body.requests.length + now.getUTCSeconds()),
      type: 'message_batch',
      processing_status: 'in_progress',
      request_counts: { processing: body.requests.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      ended_at: null,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + 86_400_000).toISOString(),
      cancel_initiated_at: null,
      results_url: null,
    }),
    { status: 200, headers },
  );
}
