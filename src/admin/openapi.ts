/**
 * GET /admin/openapi.json: the OpenAPI 3.1 document of the admin route, generated from the same zod
 * schemas that validate its input (so the document cannot drift from what the route accepts).
 */
import { z } from 'zod';
import { ruleSetSchema } from '../engine/rules/schema';
import { backtestBody } from './backtest';
import { listAddBody, listTarget } from './lists';
import { auditQuery, clustersQuery, decisionsQuery, feedQuery, statsQuery } from './query';
import { createRuleBody, evaluatorBody, replaceRuleBody, rollbackBody } from './rules';

type Json = Record<string, unknown>;

const schemaOf = (s: z.ZodType): Json => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;

/** Query parameters from a zod object: one OpenAPI parameter per key. */
function queryParams(s: z.ZodType): Json[] {
  const doc = schemaOf(s) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(doc.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: doc.required?.includes(name) ?? false,
    schema,
  }));
}

const errorBody: Json = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        message: { type: 'string' },
        issues: {
          type: 'array',
          items: { type: 'object', properties: { path: { type: 'array', items: { type: 'string' } }, message: { type: 'string' } } },
        },
      },
      required: ['message'],
    },
  },
};

const json = (schema: Json) => ({ content: { 'application/json': { schema } } });
const ok = (description: string): Json => ({ description, ...json({ type: 'object' }) });
const errors: Json = {
  '400': { description: 'invalid input, naming the bad fields', ...json(errorBody) },
  '401': { description: 'missing or wrong operator token', ...json(errorBody) },
  '429': { description: 'too many failed token attempts from this address', ...json(errorBody) },
};

function op(summary: string, extra: Json = {}, response = 'OK'): Json {
  return { summary, responses: { '200': ok(response), ...errors }, ...extra };
}
const body = (s: z.ZodType): Json => ({ requestBody: { required: true, ...json(schemaOf(s)) } });
const listParam: Json = { name: 'list', in: 'path', required: true, schema: { enum: ['allow', 'deny', 'challenge'] } };
const idParam = (description: string): Json => ({ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description });

export function openApiDocument(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'distill-guard admin API',
      version: '1',
      description: 'Operator route of distill-guard. Every call needs Authorization: Bearer <ADMIN_TOKEN or a named ADMIN_TOKENS token>.',
    },
    components: {
      securitySchemes: { operatorToken: { type: 'http', scheme: 'bearer' } },
      schemas: { RuleSet: schemaOf(ruleSetSchema), Error: errorBody },
    },
    security: [{ operatorToken: [] }],
    paths: {
      '/admin/rules': {
        get: op('The current rule-set document (the shape replay --rules takes)'),
        post: op('Create a rule (new version)', body(createRuleBody)),
      },
      '/admin/rules/{id}': {
        put: op('Replace a rule (new version)', { parameters: [idParam('rule id')], ...body(replaceRuleBody) }),
        delete: op('Delete a rule (new version)', { parameters: [idParam('rule id')] }),
      },
      '/admin/rules/history': { get: op('Every saved version, newest first') },
      '/admin/rules/rollback': { post: op('Make an earlier version current again (as a new version)', body(rollbackBody)) },
      '/admin/evaluator': { put: op('Replace thresholds, TTLs and cluster policy (new version)', body(evaluatorBody)) },
      '/admin/lists/{list}': {
        get: op('Live entries of a list', { parameters: [listParam] }),
        post: op('Add a key (hashed on arrival) or principal', { parameters: [listParam], ...body(listAddBody) }),
        delete: op('Remove a key or principal', { parameters: [listParam], ...body(listTarget) }),
      },
      '/admin/decisions': {
        get: op('Recorded decisions, aggregated per principal, hour and action', { parameters: queryParams(decisionsQuery) }),
      },
      '/admin/principals/{id}': {
        get: op('Counters, current action and score by rule of one principal', {
          parameters: [idParam('principal id, e.g. k_0123456789abcdef')],
        }),
      },
      '/admin/clusters': {
        get: op('Largest clusters by distinct principals and volume, with verdicts', { parameters: queryParams(clustersQuery) }),
      },
      '/admin/backtest': { post: op('Score a candidate rule set over stored records and compare', body(backtestBody)) },
      '/admin/feed': { get: op('Principals stopped since a cursor, for the ban pipeline', { parameters: queryParams(feedQuery) }) },
      '/admin/stats': { get: op('Requests per hour by action (dashboard)', { parameters: queryParams(statsQuery) }) },
      '/admin/audit': { get: op('Operator changes, newest first', { parameters: queryParams(auditQuery) }) },
      '/admin/openapi.json': { get: op('This document') },
      '/admin': {
        get: {
          summary: 'The HTML dashboard (asks for the token; calls this API with it)',
          security: [],
          responses: { '200': { description: 'HTML' } },
        },
      },
    },
  };
}
