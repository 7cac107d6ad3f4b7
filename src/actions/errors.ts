/**
 * Errors in the shape of the API the client is calling, so official SDKs raise their typed errors
 * (`PermissionDeniedError`, `RateLimitError`, ...) and a person reading the message can act on it.
 */
import { type ApiFamily, apiFamily } from '../engine/surface';

export type ErrorKind =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'request_too_large'
  | 'rate_limit'
  | 'api_error'
  | 'bad_gateway'
  | 'unavailable';

const STATUS: Record<ErrorKind, number> = {
  invalid_request: 400,
  authentication: 401,
  permission: 403,
  not_found: 404,
  request_too_large: 413,
  rate_limit: 429,
  api_error: 500,
  bad_gateway: 502,
  unavailable: 503,
};

const ANTHROPIC_TYPE: Record<ErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  request_too_large: 'request_too_large',
  rate_limit: 'rate_limit_error',
  api_error: 'api_error',
  bad_gateway: 'api_error',
  unavailable: 'api_error',
};

const OPENAI_TYPE: Record<ErrorKind, { type: string; code: string }> = {
  invalid_request: { type: 'invalid_request_error', code: 'invalid_request' },
  authentication: { type: 'invalid_request_error', code: 'invalid_api_key' },
  permission: { type: 'invalid_request_error', code: 'permission_denied' },
  not_found: { type: 'invalid_request_error', code: 'not_found' },
  request_too_large: { type: 'invalid_request_error', code: 'request_too_large' },
  rate_limit: { type: 'requests', code: 'rate_limit_exceeded' },
  api_error: { type: 'server_error', code: 'internal_error' },
  bad_gateway: { type: 'server_error', code: 'bad_gateway' },
  unavailable: { type: 'server_error', code: 'service_unavailable' },
};

export interface ApiErrorOptions {
  /** Extra fields for the body's error object (e.g. zod issues for a bad admin request). */
  extra?: Record<string, unknown>;
  headers?: HeadersInit;
}

export function errorBody(family: ApiFamily, kind: ErrorKind, message: string, extra?: Record<string, unknown>): unknown {
  if (family === 'anthropic') return { type: 'error', error: { type: ANTHROPIC_TYPE[kind], message, ...extra } };
  const { type, code } = OPENAI_TYPE[kind];
  return { error: { message, type, code, param: null, ...extra } };
}

export function apiErrorResponse(family: ApiFamily, kind: ErrorKind, message: string, options: ApiErrorOptions = {}): Response {
  const headers = new Headers(options.headers);
  headers.set('content-type', 'application/json');
  return new Response(JSON.stringify(errorBody(family, kind, message, options.extra)), { status: STATUS[kind], headers });
}

/** The error for a request, its family chosen from the request's path and headers. */
export function apiErrorFor(request: Request, kind: ErrorKind, message: string, options?: ApiErrorOptions): Response {
  const url = new URL(request.url);
  return apiErrorResponse(apiFamily(url.pathname, request.headers.get('anthropic-version')), kind, message, options);
}
