/** The replay contract's records (see docs/traffic-log.md): parsing a request line, writing a decision line. */
import { asObject, type JsonObject, usageOf } from './json';
import { MemoryEngine } from './memory-state';
import type { CfProperties, Decision, RawRequest, Usage } from './types';
import { isStop } from './types';

export interface TrafficRecord {
  id: string;
  ts: number;
  raw: RawRequest;
  response: { status: number; usage: Usage | null; org: string | null } | null;
}

export class RecordError extends Error {
  override name = 'RecordError';
  constructor(
    message: string,
    readonly id: string | null,
  ) {
    super(message);
  }
}

const isObj = (v: unknown): v is JsonObject => asObject(v) !== null;

const NON_ASCII = /[^ -~\t\n\r]/; // anything but printable ASCII and common whitespace

/** UTF-8 length without encoding: the replay reads millions of bodies and only needs their size. */
export function utf8Length(text: string): number {
  const first = text.search(NON_ASCII); // scanned natively: ASCII is one byte a character
  if (first === -1) return text.length;
  let n = text.length;
  for (let i = first; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: 2 UTF-16 units, 4 bytes
      i++;
    } else n += 2; // 3 bytes (a lone surrogate encodes as U+FFFD, also 3)
  }
  return n;
}

function responseUsage(u: unknown): Usage | null {
  const usage = usageOf(u);
  if (usage.inputTokens === undefined && usage.outputTokens === undefined) return null;
  return { inputTokens: usage.inputTokens ?? 0, outputTokens: usage.outputTokens ?? 0 };
}

/** Header names lower-cased, string values only; the parsed object itself when it already is so (as logs write it). */
function lowerCaseHeaders(h: JsonObject): Record<string, string> {
  let ready = true;
  for (const k in h) {
    if (typeof h[k] !== 'string' || k.toLowerCase() !== k) {
      ready = false;
      break;
    }
  }
  if (ready) return h as Record<string, string>;
  const headers: Record<string, string> = {};
  for (const k in h) if (typeof h[k] === 'string') headers[k.toLowerCase()] = h[k];
  return headers;
}

/** How a body's UTF-8 size is measured: `utf8Length` anywhere; the Node CLI passes its native count. */
export type ByteLength = (text: string) => number;

export function parseRecord(line: string, byteLength: ByteLength = utf8Length): TrafficRecord {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new RecordError('not valid JSON', null);
  }
  if (!isObj(v)) throw new RecordError('a record must be a JSON object', null);
  const id = typeof v.id === 'string' ? v.id : null;
  const fail = (message: string): never => {
    throw new RecordError(message, id);
  };
  if (id === null) fail('"id" must be a string');
  if (typeof v.ts !== 'number' || !Number.isFinite(v.ts)) fail('"ts" must be epoch milliseconds');
  if (typeof v.method !== 'string') fail('"method" must be a string');
  if (typeof v.url !== 'string') fail('"url" must be a string');
  if (v.headers !== undefined && !isObj(v.headers)) fail('"headers" must be an object');
  if (v.body !== undefined && typeof v.body !== 'string') fail('"body" must be a string');
  const headers = isObj(v.headers) ? lowerCaseHeaders(v.headers) : {};
  const body = typeof v.body === 'string' ? v.body : '';
  const resp = isObj(v.response) ? v.response : null;
  const respHeaders = resp && isObj(resp.headers) ? resp.headers : {};
  const org = respHeaders['anthropic-organization-id'] ?? respHeaders['openai-organization'];
  return {
    id: id as string,
    ts: v.ts as number,
    raw: {
      method: v.method as string,
      url: v.url as string,
      headers,
      ip: typeof v.ip === 'string' ? v.ip : '',
      cf: isObj(v.cf) ? (v.cf as CfProperties) : undefined,
      body,
      bodyBytes: byteLength(body),
    },
    response: resp
      ? {
          status: typeof resp.status === 'number' ? resp.status : 200,
          usage: responseUsage(resp.usage),
          org: typeof org === 'string' ? org : null,
        }
      : null,
  };
}

export interface DecisionLine {
  id: string;
  action: Decision['action'] | 'error';
  would_action?: Decision['action'];
  reached_origin: boolean;
  score: number;
  reasons: string[];
  principal: string;
  error?: string;
}

export function decisionLine(id: string, d: Decision): DecisionLine {
  return {
    id,
    action: d.action,
    would_action: d.wouldAction,
    reached_origin: !isStop(d.action),
    score: Math.round(d.score * 10_000) / 10_000,
    reasons: d.reasons,
    principal: d.principal,
  };
}

/**
 * `JSON.stringify(decisionLine(id, d))`, written field by field: the replay writes one a record, and
 * building an object only to serialise it was a few percent of a replayed record's time (BENCHMARKS.md).
 * Tested equal to it.
 */
export function decisionJson(id: string, d: Decision): string {
  // Actions are a fixed set of plain words, and a finite number prints as JSON does: no quoting needed.
  const would = d.wouldAction === undefined ? '' : `,"would_action":"${d.wouldAction}"`;
  const rounded = Math.round(d.score * 10_000) / 10_000;
  const score = Number.isFinite(rounded) ? rounded : null;
  return `{"id":${JSON.stringify(id)},"action":"${d.action}"${would},"reached_origin":${!isStop(d.action)},"score":${score},"reasons":${JSON.stringify(d.reasons)},"principal":${JSON.stringify(d.principal)}}`;
}

export function errorLine(id: string | null, message: string): DecisionLine {
  return { id: id ?? '', action: 'error', reached_origin: false, score: 0, reasons: [], principal: '', error: message };
}

/**
 * One traffic-log line through the engine: its decision line with a newline, an error line for a bad
 * record, or nothing for a blank line. What the replay CLI writes, and what the benchmark times.
 */
export function replayLine(engine: MemoryEngine, line: string, byteLength: ByteLength = utf8Length): string {
  if (line.trim() === '') return '';
  try {
    const rec = parseRecord(line, byteLength);
    const { decision, features } = engine.process(rec.raw, rec.ts);
    if (rec.response && !MemoryEngine.stopped(decision)) engine.observeResponse(features, rec.response.usage, rec.response.org, rec.ts);
    return `${decisionJson(rec.id, decision)}\n`;
  } catch (err) {
    const id = err instanceof RecordError ? err.id : null;
    return `${JSON.stringify(errorLine(id, err instanceof Error ? err.message : String(err)))}\n`;
  }
}
