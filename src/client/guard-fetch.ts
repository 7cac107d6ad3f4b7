/**
 * `guardFetch()`: a fetch for API clients behind distill-guard. When the guard answers with a
 * proof-of-work challenge (403 + `x-guard-challenge`), it solves it and retries once with
 * `x-guard-solution`; everything else passes through. Drop it into the official SDKs unchanged:
 *
 *     new Anthropic({ fetch: guardFetch() })      new OpenAI({ fetch: guardFetch() })
 */
import { solveChallenge } from '../actions/challenge';

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export function guardFetch(base: Fetch = (input, init) => fetch(input, init)): Fetch {
  return async function guardedFetch(input, init) {
    const first = await base(input, init);
    const token = first.headers.get('x-guard-challenge');
    if (first.status !== 403 || !token) return first;
    await first.body?.cancel();
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set('x-guard-solution', solveChallenge(token));
    return base(input, { ...init, headers });
  };
}

export { solveChallenge };
