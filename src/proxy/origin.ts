/** Where a request goes: the configured origin, the built-in mock, or nowhere (misconfigured). */
import type { GuardConfig } from '../config';
import type { OriginTarget } from './forward';

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** Development conveniences (the mock, the development pepper) are for loopback clients only. */
export function isLoopback(url: URL): boolean {
  return LOOPBACK.test(url.hostname);
}

export type OriginResolution = { ok: true; target: OriginTarget } | { ok: false; message: string };

export function resolveOrigin(config: GuardConfig, requestUrl: URL): OriginResolution {
  if (config.originUrl === null) {
    return {
      ok: false,
      message: 'distill-guard is not configured: ORIGIN_URL is unset. Set it to the model API this guard protects.',
    };
  }
  if (config.originUrl === 'mock') {
    // The mock is a development aid: a deployed Worker that still has the local default must not
    // answer real customers with made-up completions.
    if (!isLoopback(requestUrl)) {
      return {
        ok: false,
        message: 'distill-guard is not configured: ORIGIN_URL=mock is served to loopback clients only. Set ORIGIN_URL.',
      };
    }
    return { ok: true, target: { kind: 'mock', streamDelayMs: config.mockStreamDelayMs } };
  }
  return { ok: true, target: { kind: 'url', base: config.originUrl } };
}
