/** How simulated clients look on the wire: SDK headers, user agents, TLS fingerprints, networks. */
import type { CfProperties, RawRequest } from '../src/engine/types';
import type { Turn } from './corpus';
import type { Rng } from './rng';

export type ClientKind = 'anthropic-js' | 'anthropic-py' | 'openai-js' | 'openai-py' | 'requests' | 'httpx' | 'curl';

const PROFILES: Record<ClientKind, { ua: string; ja4: string; stainless?: { lang: string; version: string } }> = {
  'anthropic-js': { ua: 'Anthropic/JS 1.14.0', ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1', stainless: { lang: 'js', version: '1.14.0' } },
  'anthropic-py': {
    ua: 'Anthropic/Python 0.68.0',
    ja4: 't13d1715h2_5b57614c22b0_3d5424432f57',
    stainless: { lang: 'python', version: '0.68.0' },
  },
  'openai-js': { ua: 'OpenAI/JS 6.30.1', ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1', stainless: { lang: 'js', version: '6.30.1' } },
  'openai-py': { ua: 'OpenAI/Python 2.3.0', ja4: 't13d1715h2_5b57614c22b0_3d5424432f57', stainless: { lang: 'python', version: '2.3.0' } },
  requests: { ua: 'python-requests/2.32.3', ja4: 't13d1812h1_85036bcba153_b26ce05bbdd6' },
  httpx: { ua: 'python-httpx/0.27.2', ja4: 't13d1715h2_5b57614c22b0_3d5424432f57' },
  curl: { ua: 'curl/8.5.0', ja4: 't13d3112h2_e8f1e7e78f70_375bfb9a4eb2' },
};

export interface Network {
  ip: string;
  asn: number;
  country: string;
}

/** A fixed datacenter or office address. */
export function fixedNetwork(rng: Rng, asn: number, country = 'US'): Network {
  return { ip: `${rng.int(11, 199)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`, asn, country };
}

/** A residential proxy exit: a new /24 and often a new ASN each time. */
export function residentialExit(rng: Rng): Network {
  const asns = [7922, 701, 3320, 12322, 5089, 4134, 9829, 28573, 7018, 20115, 3215, 6830];
  return {
    ip: `${rng.int(24, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    asn: rng.pick(asns),
    country: rng.pick(['US', 'BR', 'IN', 'DE', 'VN', 'ID', 'FR']),
  };
}

export type Api = 'anthropic' | 'openai';

export interface CallSpec {
  api: Api;
  client: ClientKind;
  key: string;
  network: Network;
  model: string;
  maxTokens: number;
  messages: Turn[];
  system?: string;
  thinkingBudget?: number;
  reasoningEffort?: 'low' | 'medium' | 'high';
  temperature?: number;
  stream?: boolean;
  endUser?: string;
  tools?: Array<{ name: string; params: string[] }>;
  toolResults?: number;
  logprobs?: { top: number; logitBias: boolean; n: number };
}

function toolsFor(api: Api, tools: NonNullable<CallSpec['tools']>) {
  return tools.map((t) => {
    const schema = { type: 'object', properties: Object.fromEntries(t.params.map((p) => [p, { type: 'string' }])) };
    return api === 'anthropic'
      ? { name: t.name, description: t.name, input_schema: schema }
      : { type: 'function', function: { name: t.name, parameters: schema } };
  });
}

/** The request a client would send for this call, as a replay/engine RawRequest. */
export function buildRequest(spec: CallSpec): RawRequest {
  const profile = PROFILES[spec.client];
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': profile.ua, accept: 'application/json' };
  if (profile.stainless) {
    headers['x-stainless-lang'] = profile.stainless.lang;
    headers['x-stainless-package-version'] = profile.stainless.version;
    headers['x-stainless-runtime'] = profile.stainless.lang === 'js' ? 'node' : 'CPython';
  }
  const body: Record<string, unknown> = { model: spec.model };
  const messages: Array<Record<string, unknown>> = spec.messages.map((m) => ({ role: m.role, content: m.content }));
  if (spec.toolResults) {
    for (let i = 0; i < spec.toolResults; i++) {
      messages.push(
        spec.api === 'anthropic'
          ? { role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: `exit code 0\n${'ok '.repeat(20 + i)}` }] }
          : { role: 'tool', tool_call_id: `call_${i}`, content: `exit code 0\n${'ok '.repeat(20 + i)}` },
      );
    }
  }
  let url: string;
  if (spec.api === 'anthropic') {
    url = 'https://api.example.com/v1/messages';
    headers['x-api-key'] = spec.key;
    headers['anthropic-version'] = '2023-06-01';
    body.max_tokens = spec.maxTokens;
    if (spec.system) body.system = spec.system;
    if (spec.thinkingBudget) body.thinking = { type: 'enabled', budget_tokens: spec.thinkingBudget };
    if (spec.endUser) body.metadata = { user_id: spec.endUser };
  } else {
    url = 'https://api.example.com/v1/chat/completions';
    headers.authorization = `Bearer ${spec.key}`;
    body.max_completion_tokens = spec.maxTokens;
    if (spec.system) messages.unshift({ role: 'system', content: spec.system });
    if (spec.reasoningEffort) body.reasoning_effort = spec.reasoningEffort;
    if (spec.endUser) body.user = spec.endUser;
    if (spec.logprobs) {
      body.logprobs = true;
      body.top_logprobs = spec.logprobs.top;
      body.n = spec.logprobs.n;
      if (spec.logprobs.logitBias) body.logit_bias = { '1734': -100, '9906': 5 };
    }
  }
  body.messages = messages;
  if (spec.temperature !== undefined) body.temperature = spec.temperature;
  if (spec.stream) body.stream = true;
  if (spec.tools) body.tools = toolsFor(spec.api, spec.tools);
  const text = JSON.stringify(body);
  const cf: CfProperties = {
    asn: spec.network.asn,
    country: spec.network.country,
    tlsVersion: 'TLSv1.3',
    httpProtocol: 'HTTP/2',
    botManagement: { ja4: profile.ja4 },
  };
  return { method: 'POST', url, headers, ip: spec.network.ip, cf, body: text, bodyBytes: Buffer.byteLength(text) };
}
