/** Which model API a request path belongs to. Pure: shared by the proxy, the engine and the replay. */

export type ApiSurface =
  | 'anthropic.messages'
  | 'anthropic.batches'
  | 'anthropic.count_tokens'
  | 'anthropic.other'
  | 'openai.chat'
  | 'openai.responses'
  | 'openai.completions'
  | 'openai.other'
  | 'models'
  | 'unknown';

export type ApiFamily = 'anthropic' | 'openai' | 'generic';

export function apiSurface(pathname: string): ApiSurface {
  // Paths are matched with and without a leading version prefix so a lab can mount the API under /api/v1.
  const p = pathname.replace(/\/+$/, '');
  if (/\/v1\/messages\/batches(\/|$)/.test(p)) return 'anthropic.batches';
  if (/\/v1\/messages\/count_tokens$/.test(p)) return 'anthropic.count_tokens';
  if (/\/v1\/messages$/.test(p)) return 'anthropic.messages';
  if (/\/v1\/(complete|files|skills)(\/|$)/.test(p)) return 'anthropic.other';
  if (/\/v1\/chat\/completions$/.test(p)) return 'openai.chat';
  if (/\/v1\/responses(\/|$)/.test(p)) return 'openai.responses';
  if (/\/v1\/completions$/.test(p)) return 'openai.completions';
  if (/\/v1\/(embeddings|batches|moderations|audio|images|assistants|threads)(\/|$)/.test(p)) return 'openai.other';
  if (/\/v1\/models(\/|$)/.test(p)) return 'models';
  return 'unknown';
}

/**
 * The error shape a client of this path expects. `/v1/models` is shared by both APIs, so the
 * Anthropic-only `anthropic-version` header decides there.
 */
export function apiFamily(pathname: string, anthropicVersionHeader?: string | null): ApiFamily {
  const surface = apiSurface(pathname);
  if (surface.startsWith('anthropic.')) return 'anthropic';
  if (surface.startsWith('openai.')) return 'openai';
  if (surface === 'models') return anthropicVersionHeader ? 'anthropic' : 'openai';
  return anthropicVersionHeader ? 'anthropic' : 'generic';
}
