/**
 * Distillation campaigns. Each is a set of accounts; an account that is challenged or blocked is
 * abandoned and a fresh one opened after a delay (campaigns burn accounts), so a guard is scored on
 * what the whole campaign gets served, not on one key.
 */
import type { Action } from '../../src/engine/types';
import { type CallSpec, type ClientKind, fixedNetwork, type Network, residentialExit } from '../client';
import type { Corpus, Prompt } from '../corpus';
import type { Rng } from '../rng';
import { wrap } from '../wrappers';
import { type Actor, type Emitted, MINUTE, poissonGap } from './actor';

export type CampaignKind = 'bulk' | 'hydra' | 'mimic' | 'agent' | 'logprob';

export interface CampaignConfig {
  kind: CampaignKind;
  /** Accounts active at once. */
  accounts: number;
  perAccountPerDay: number;
  /** Share of cover traffic: ordinary prompts mixed in to look like a customer. */
  cover: number;
  /** Minutes to open a replacement account after one is stopped. */
  rotateMinutes: number;
  /** Accounts the campaign can open in all, as a multiple of `accounts`. */
  accountBudget: number;
}

export interface CampaignShared {
  config: CampaignConfig;
  corpus: Corpus;
  wrappers: readonly string[];
  /** Accounts opened so far (for the report). */
  opened: number;
}

const AGENT_SYSTEM =
  'You are a meticulous software engineering agent. Plan, call tools, verify with tests, and explain your reasoning in full.';
const AGENT_TOOLS = [
  { name: 'bash', params: ['command'] },
  { name: 'edit', params: ['new_str', 'old_str', 'path'] },
  { name: 'view', params: ['path'] },
];

function distillQuestion(rng: Rng, corpus: Corpus): Prompt {
  return rng.pick(
    rng.pick([corpus.gsm8k, corpus.mmlu, corpus.alpaca, corpus.alpaca, corpus.selfinstruct, corpus.humaneval, corpus.mtbench]),
  );
}

/** One account slot of a campaign. */
export class CampaignAccount implements Actor {
  readonly kind = 'campaign';
  nextAt: number;
  key = '';
  private wrapper = '';
  private network: Network;
  private client: ClientKind = 'anthropic-py';
  private thinking = 0;
  private maxTokens = 4096;
  private task: string | null = null;
  private step = 0;

  constructor(
    private readonly rng: Rng,
    private readonly shared: CampaignShared,
    readonly group: string,
    start: number,
  ) {
    this.network = fixedNetwork(rng, 14061);
    this.open();
    this.nextAt = start + rng.exp(MINUTE * 30);
  }

  private open(): void {
    const { rng, shared } = this;
    shared.opened++;
    this.key = `sk-${shared.config.kind}-${rng.hex(12)}`;
    this.wrapper = rng.pick(shared.wrappers);
    this.network = fixedNetwork(rng, rng.pick([14061, 16276, 24940, 63949]));
    const kind = shared.config.kind;
    this.client = kind === 'bulk' ? 'requests' : kind === 'logprob' ? 'openai-py' : rng.pick(['anthropic-py', 'anthropic-js'] as const);
    this.thinking = kind === 'mimic' ? rng.pick([4000, 8000, 12000, 16000]) : kind === 'agent' ? 4000 : 0;
    this.maxTokens = kind === 'mimic' ? this.thinking + rng.pick([2048, 4096, 8192]) : kind === 'logprob' ? 64 : rng.pick([4096, 8192]);
  }

  private base(messages: CallSpec['messages']): CallSpec {
    const residential = this.shared.config.kind !== 'bulk' && this.shared.config.kind !== 'logprob';
    return {
      api: this.client.startsWith('openai') ? 'openai' : 'anthropic',
      client: this.client,
      key: this.key,
      network: residential ? residentialExit(this.rng) : this.network,
      model: this.client.startsWith('openai') ? 'gpt-4o-mini' : 'claude-sonnet-4-5',
      maxTokens: this.maxTokens,
      messages,
      thinkingBudget: this.thinking || undefined,
    };
  }

  emit(): Emitted {
    const { rng, shared } = this;
    const { kind, cover } = shared.config;
    if (cover > 0 && rng.chance(cover)) {
      const p = rng.pick(rng.pick([shared.corpus.hh, shared.corpus.arena, shared.corpus.sgd]));
      return { distill: false, spec: this.base([{ role: 'user', content: p.text }]) };
    }
    const q = distillQuestion(rng, shared.corpus).text;
    if (kind === 'agent') {
      if (!this.task || this.step >= 5) {
        this.task = q;
        this.step = 0;
      }
      const spec = {
        ...this.base([{ role: 'user' as const, content: this.task }]),
        system: AGENT_SYSTEM,
        tools: AGENT_TOOLS,
        toolResults: this.step,
      };
      this.step++;
      return { distill: true, spec };
    }
    if (kind === 'logprob') {
      return {
        distill: true,
        spec: { ...this.base([{ role: 'user', content: q }]), logprobs: { top: 20, logitBias: rng.chance(0.5), n: 5 }, temperature: 1 },
      };
    }
    // The mimic asks for `thinking` instead of wrapping most of its questions.
    const content = kind === 'mimic' && rng.chance(0.7) ? q : wrap(this.wrapper, q);
    return { distill: true, spec: this.base([{ role: 'user', content }]) };
  }

  react(action: Action, now: number): void {
    const { perAccountPerDay, rotateMinutes } = this.shared.config;
    if (action === 'challenge' || action === 'block') {
      const { accounts, accountBudget } = this.shared.config;
      if (this.shared.opened >= accounts * accountBudget) {
        // Out of accounts: this slot of the campaign is over.
        this.nextAt = Number.POSITIVE_INFINITY;
        return;
      }
      this.open();
      this.nextAt = now + rotateMinutes * MINUTE * (0.5 + this.rng.float());
      return;
    }
    // Throttled: wait it out on the same account.
    const wait = action === 'throttle' ? 2 * MINUTE : 0;
    this.nextAt = now + wait + poissonGap(this.rng, perAccountPerDay, now, 5);
  }
}
