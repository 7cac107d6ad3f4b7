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

export interface ChallengeOffer {
  token: string;
  /** Why a solution the request carried was not accepted, if it carried one. */
  refused: string | null;
}

export function stopResponse(request: Request, d: Decision, requestId: string, nowMs: number, challenge?: ChallengeOffer): Response {
  const headers: Record<string, string> = { 'x-guard-action': d.action, 'x-guard-request-id': requestId };
  const quote = `Quote request id ${requestId} to support if you believe this is a mistake.`;
  if (d.action === 'throttle') {
    const wait = retryAfterSeconds(d, nowMs);
    headers['retry-after'] = String(wait);
    return apiErrorFor(
      request,
      'rate_limit',
      `distill-guard is slowing this API key down (${reasons(d)}); retry after ${wait} s. ${quote}`,
      {
        headers,
      },
    );
  }
  if (d.action === 'challenge' && challenge) {
    // 403, not 429: SDKs retry 429 on their own, blindly; a challenge needs work first.
    headers['x-guard-challenge'] = challenge.token;
    const refused = challenge.refused ? ` The solution sent was refused: ${challenge.refused}.` : '';
    return apiErrorFor(
      request,
      'permission',
      `distill-guard: the traffic of this API key resembles automated model-distillation patterns (${reasons(d)}); solve the proof-of-work challenge in the x-guard-challenge header and retry with x-guard-solution (npm run solve, or the guardFetch() wrapper).${refused} ${quote}`,
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
