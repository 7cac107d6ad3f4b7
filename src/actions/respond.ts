/** What the guard answers when it acts itself, in the API's own error shape, with a reason to act on. */
import type { Decision } from '../engine/types';
import { apiErrorFor } from './errors';

function until(d: Decision): string {
  return d.until ? new Date(d.until).toISOString() : 'further notice';
}

function reasons(d: Decision): string {
  return d.reasons.slice(0, 4).join(', ');
}

/** Seconds until the principal may send again: from its standing decision, never a constant. */
export function retryAfterSeconds(d: Decision, nowMs: number): number {
  return Math.max(1, Math.ceil(((d.until ?? nowMs + 60_000) - nowMs) / 1000));
}

export function stopResponse(request: Request, d: Decision, requestId: string, nowMs: number): Response {
  const headers: Record<string, string> = { 'x-guard-action': d.action, 'x-guard-request-id': requestId };
  const quote = `Quote request id ${requestId} to support if you believe this is a mistake.`;
  if (d.action === 'throttle') {
    const wait = retryAfterSeconds(d, nowMs);
    headers['retry-after'] = String(wait);
    return apiErrorFor(
      request,
      'rate_limit',
      `distill-guard: this API key is sending faster than allowed; retry after ${wait} s (${reasons(d)}). ${quote}`,
      {
        headers,
      },
    );
  }
  if (d.action === 'challenge') {
    return apiErrorFor(
      request,
      'permission',
      `distill-guard: the traffic of this API key resembles automated model-distillation patterns (${reasons(d)}); it must complete a proof-of-work challenge before more requests are served. ${quote}`,
      { headers },
    );
  }
  return apiErrorFor(
    request,
    'permission',
    `distill-guard blocked this request: the traffic of this API key matches automated model-distillation patterns (${reasons(d)}). The block lasts until ${until(d)}. ${quote}`,
    { headers },
  );
}
