/** The engine's vocabulary: what goes in (a request), what it becomes (features), what comes out (a decision). */
import type { ApiSurface } from './surface';

/** A request as both shells see it: the Worker builds it from a Request, the replay from a log record. */
export interface RawRequest {
  method: string;
  url: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The client IP (CF-Connecting-IP live; the record's `ip` in replay). */
  ip: string;
  /** What `request.cf` carries (any subset). */
  cf?: CfProperties;
  /** The body text, possibly only its first INSPECT_BYTES. */
  body: string;
  /** The body's full size in bytes (may exceed `body` when only a prefix was read). */
  bodyBytes: number;
}

export interface CfProperties {
  asn?: number | string;
  asOrganization?: string;
  country?: string;
  tlsVersion?: string;
  tlsCipher?: string;
  httpProtocol?: string;
  ja3Hash?: string;
  ja4?: string;
  botManagement?: { ja3Hash?: string; ja4?: string };
  [key: string]: unknown;
}

export type Action = 'allow' | 'log' | 'degrade' | 'throttle' | 'challenge' | 'block';

export const ACTIONS: readonly Action[] = ['allow', 'log', 'degrade', 'throttle', 'challenge', 'block'];
export const ACTION_RANK: Record<Action, number> = { allow: 0, log: 1, degrade: 2, throttle: 3, challenge: 4, block: 5 };

/** Actions that refuse the request (it does not reach the origin). */
export function isStop(action: Action): boolean {
  return ACTION_RANK[action] >= ACTION_RANK.throttle;
}

/** Cluster kinds: shared fingerprints through which one campaign shows across many accounts. */
export type ClusterKind = 'prefix' | 'suffix' | 'template' | 'system' | 'tools' | 'shape' | 'client' | 'network';

export interface ClusterRef {
  kind: ClusterKind;
  /** `kind:keyed-hash`, stable across requests and isolates. */
  key: string;
}

/** What a request asks for, as read from its body (the same fields for every API surface). */
export interface RequestAsks {
  model: string | null;
  maxTokens: number;
  thinkingBudget: number;
  /** 0 none, 1 minimal/low, 2 medium, 3 high. */
  reasoningEffort: number;
  logprobs: boolean;
  topLogprobs: number;
  logitBias: boolean;
  n: number;
  temperature: number | null;
  stream: boolean;
  tools: number;
  toolResults: number;
  /** User turns in the conversation. */
  turns: number;
  /** Requests this HTTP call carries (a Message Batch carries many). */
  batchSize: number;
}

/** Everything the engine knows about one request; computed once, bounded work on any input. */
export interface Features extends RequestAsks {
  // Who
  principal: string;
  keyHash: string | null;
  org: string | null;
  endUser: string | null;
  network: string;
  asn: string | null;
  country: string | null;
  tlsFingerprint: string | null;
  uaFamily: string;
  uaVersion: string;
  sdkOfficial: boolean;
  sdkMismatch: boolean;
  // What
  surface: ApiSurface;
  method: string;
  hasSystem: boolean;
  // Content
  promptChars: number;
  bodyBytes: number;
  unparseable: boolean;
  /** 0..1: how strongly the prompt asks for step-by-step reasoning, in any phrasing or language. */
  cot: number;
  /** 0..1: answer-format wrappers (rubrics, "Final answer:", \boxed, graded choices). */
  formatWrapper: number;
  topic: number;
  templateHash: string;
  simhash: string;
  clusters: ClusterRef[];
}

export interface Decision {
  action: Action;
  /** What enforce mode would have done (equals `action` unless shadow rules or GUARD_MODE=shadow). */
  wouldAction: Action;
  /** Anomaly score normalised to 0..1 (1 = at or above the block threshold). */
  score: number;
  /** Stable codes, most important first. */
  reasons: string[];
  principal: string;
  rulesVersion: number;
  /** Epoch ms until which a standing decision lasts (for stop actions). */
  until: number | null;
  /** Points per contributing rule (for the admin breakdown). */
  breakdown: Record<string, number>;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** One answer's usage and when its request was made (the window buckets it counts in). */
export interface UsageEntry {
  usage: Usage;
  now: number;
}
