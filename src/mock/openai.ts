/** The mock's OpenAI Chat Completions API: JSON, and SSE ending in `data: [DONE]`. */
import { apiErrorResponse } from '../actions/errors';
import { type AnswerPlan, chunkTokens, contentText, mockId, planAnswer, prng } from './generate';
import { type SseEvent, sseResponse } from './sse';

interface ChatBody {
  model?: unknown;
  messages?: unknown;
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown };
  n?: unknown;
  logprobs?: unknown;
  top_logprobs?: unknown;
  reasoning_effort?: unknown;
}

const REASONING_BUDGET: Record<string, number> = { minimal: 64, low: 256, medium: 1024, high: 4096 };

function invalid(message: string, param: string | null = null): Response {
  return apiErrorResponse('openai', 'invalid_request', message, { extra: { param } });
}

function tokenLogprobs(plan: AnswerPlan, top: number) {
  const rand = prng(plan.seed ^ 0x2545f491);
  return plan.text.map((token) => {
    const logprob = -rand() * 2;
    const alternatives = Array.from({ length: top }, (_, k) => ({
      token: k === 0 ? token : `${token.trim()}${k}`,
      logprob: k === 0 ? logprob : logprob - 1 - rand() * 3,
      bytes: null,
    }));
    return { token, logprob, bytes: null, top_logprobs: alternatives };
  });
}

function usage(plans: AnswerPlan[]) {
  const reasoning = plans.reduce((s, p) => s + p.thinking.length, 0);
  const completion = plans.reduce((s, p) => s + p.thinking.length + p.text.length, 0);
  const prompt = plans[0]?.inputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function streamEvents(base: Record<string, unknown>, plans: AnswerPlan[], includeUsage: boolean): SseEvent[] {
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): SseEvent => ({
    data: JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...(includeUsage ? { usage: null } : {}), ...extra }),
  });
  const events: SseEvent[] = [];
  plans.forEach((plan, index) => {
    events.push(chunk([{ index, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }]));
    for (const content of chunkTokens(plan.text, plan.seed)) {
      events.push(chunk([{ index, delta: { content }, logprobs: null, finish_reason: null }]));
    }
    events.push(chunk([{ index, delta: {}, logprobs: null, finish_reason: plan.truncated ? 'length' : 'stop' }]));
  });
  if (includeUsage) events.push(chunk([], { usage: usage(plans) }));
  events.push({ data: '[DONE]' });
  return events;
}

export async function openaiChat(request: Request, headers: Headers, delayMs: number): Promise<Response> {
  const raw = await request.text();
  let body: ChatBody;
  try {
    body = JSON.parse(raw) as ChatBody;
  } catch {
    return invalid('We could not parse the JSON body of your request.');
  }
  if (!body || typeof body !== 'object') return invalid('The request body must be a JSON object.');
  if (typeof body.model !== 'string') return invalid('you must provide a model parameter', 'model');
  if (!Array.isArray(body.messages) || body.messages.length === 0) return invalid("'messages' must be a non-empty array", 'messages');
  const n = body.n === undefined ? 1 : body.n;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 128) return invalid("'n' must be an integer from 1 to 128", 'n');
  const cap = body.max_completion_tokens ?? body.max_tokens ?? 4096;
  if (typeof cap !== 'number' || cap < 1) return invalid("'max_tokens' must be a positive integer", 'max_tokens');
  const budget = typeof body.reasoning_effort === 'string' ? (REASONING_BUDGET[body.reasoning_effort] ?? 0) : 0;

  const messages = body.messages as Array<{ role?: unknown; content?: unknown }>;
  const prompt = contentText([...messages].reverse().find((m) => m?.role === 'user')?.content);
  const plans = Array.from({ length: n }, (_, i) => planAnswer(i === 0 ? raw : `${raw}#${i}`, prompt, cap, budget));
  const first = plans[0] as AnswerPlan;
  const base = {
    id: mockId('chatcmpl-', first.seed),
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    system_fingerprint: 'fp_mock',
  };
  if (body.stream === true) {
    return sseResponse(streamEvents(base, plans, body.stream_options?.include_usage === true), headers, delayMs);
  }
  const top = typeof body.top_logprobs === 'number' ? Math.max(0, Math.min(20, body.top_logprobs)) : 0;
  headers.set('content-type', 'application/json');
  return new Response(
    JSON.stringify({
      ...base,
      object: 'chat.completion',
      choices: plans.map((plan, index) => ({
        index,
        message: { role: 'assistant', content: plan.text.join(''), refusal: null, annotations: [] },
        logprobs: body.logprobs === true ? { content: tokenLogprobs(plan, top), refusal: null } : null,
        finish_reason: plan.truncated ? 'length' : 'stop',
      })),
      usage: usage(plans),
      service_tier: 'default',
    }),
    { status: 200, headers },
  );
}
