/** Legitimate customers: chat apps, support bots, individual developers. */
import type { Action } from '../../src/engine/types';
import { type ClientKind, fixedNetwork, type Network } from '../client';
import type { Corpus, Prompt } from '../corpus';
import type { Rng } from '../rng';
import { DEVELOPER_COT } from '../wrappers';
import { type Actor, Conversation, type Emitted, HOUR, MINUTE, poissonGap } from './actor';

/** One key serving thousands of end users, multi-turn, diurnal. */
export class ChatApp implements Actor {
  readonly group = 'chat-app';
  readonly kind = 'benign';
  nextAt: number;
  private readonly open: Array<{ conv: Conversation; user: string }> = [];
  private readonly network: Network;

  constructor(
    private readonly rng: Rng,
    private readonly corpus: Corpus,
    readonly key: string,
    private readonly perDay: number,
    private readonly passesUsers: boolean,
    start: number,
  ) {
    this.network = fixedNetwork(rng, 16509);
    this.nextAt = start + rng.exp(MINUTE);
  }

  emit(): Emitted {
    let slot = this.open.length > 0 && this.rng.chance(0.6) ? this.rng.int(0, this.open.length - 1) : -1;
    if (slot < 0) {
      const source = this.rng.pick([this.corpus.hh, this.corpus.sgd, this.corpus.arena, this.corpus.awesome, this.corpus.hh]);
      this.open.push({ conv: Conversation.from(this.rng.pick(source), 6), user: `user-${this.rng.int(1, 5000)}` });
      slot = this.open.length - 1;
      if (this.open.length > 60) this.open.shift();
      slot = this.open.length - 1;
    }
    const { conv, user } = this.open[slot] as { conv: Conversation; user: string };
    const messages = conv.next();
    if (conv.done) this.open.splice(slot, 1);
    return {
      distill: false,
      spec: {
        api: 'anthropic',
        client: 'anthropic-py',
        key: this.key,
        network: this.network,
        model: 'claude-sonnet-4-5',
        maxTokens: 1024,
        stream: true,
        system: 'You are Chatty, a friendly assistant inside the Chatty app. Keep answers concise.',
        messages,
        endUser: this.passesUsers ? user : undefined,
      },
    };
  }

  react(_action: Action, now: number): void {
    this.nextAt = now + poissonGap(this.rng, this.perDay, now);
  }
}

/** A support bot: fixed system prompt, narrow topic, short answers. */
export class SupportBot implements Actor {
  readonly group = 'support-bot';
  readonly kind = 'benign';
  nextAt: number;
  private pending: Conversation | null = null;
  private readonly network: Network;

  constructor(
    private readonly rng: Rng,
    private readonly prompts: Prompt[],
    readonly key: string,
    private readonly perDay: number,
    start: number,
  ) {
    this.network = fixedNetwork(rng, 14618);
    this.nextAt = start + rng.exp(MINUTE);
  }

  emit(): Emitted {
    let messages: Conversation;
    if (this.pending && this.rng.chance(0.5)) messages = this.pending;
    else messages = new Conversation([this.rng.pick(this.prompts).text, this.rng.pick(this.prompts).text], ['Happy to help with that.']);
    this.pending = messages;
    const turns = messages.next();
    if (messages.done) this.pending = null;
    return {
      distill: false,
      spec: {
        api: 'openai',
        client: 'openai-js',
        key: this.key,
        network: this.network,
        model: 'gpt-4o-mini',
        maxTokens: 400,
        system: 'You are the Acme Bank support assistant. Answer questions about cards, transfers, accounts and fees.',
        messages: turns,
        endUser: `cust-${this.rng.int(1, 20000)}`,
      },
    };
  }

  react(_action: Action, now: number): void {
    this.nextAt = now + poissonGap(this.rng, this.perDay, now);
  }
}

const DEV_CLIENTS: ClientKind[] = ['anthropic-py', 'anthropic-js', 'openai-py', 'openai-js', 'requests', 'httpx', 'curl'];

/** One developer, one key: sessions of a few requests, a couple of networks, sometimes reasoning. */
export class Developer implements Actor {
  readonly group = 'developer';
  readonly kind = 'benign';
  nextAt: number;
  private sessionLeft = 0;
  private conv: Conversation | null = null;
  private readonly networks: Network[];
  private network: Network;
  private readonly client: ClientKind;
  private readonly thinking: number;
  private readonly maxTokens: number;

  constructor(
    private readonly rng: Rng,
    private readonly corpus: Corpus,
    readonly key: string,
    private readonly sessionsPerDay: number,
    start: number,
  ) {
    this.networks = Array.from({ length: rng.int(1, 3) }, () => fixedNetwork(rng, rng.pick([7922, 701, 3320, 16509, 15169])));
    this.network = this.networks[0] as Network;
    this.client = rng.pick(DEV_CLIENTS);
    this.thinking = rng.chance(0.3) ? rng.pick([1024, 2048, 4000, 8000, 16000]) : 0;
    this.maxTokens = this.thinking ? this.thinking + rng.pick([1024, 4096]) : rng.pick([512, 1024, 2048, 4096, 8192]);
    this.nextAt = start + rng.exp(4 * HOUR);
  }

  emit(): Emitted {
    // A session happens in one place (home, office, train); the network changes between sessions.
    if (this.sessionLeft <= 0) {
      this.sessionLeft = this.rng.int(2, 12);
      this.network = this.rng.pick(this.networks);
    }
    this.sessionLeft--;
    if (!this.conv || this.conv.done || this.rng.chance(0.5)) {
      const source = this.rng.pick([this.corpus.arena, this.corpus.arena, this.corpus.awesome, this.corpus.hh]);
      this.conv = Conversation.from(this.rng.pick(source), 4);
    }
    const messages = this.conv.next();
    const last = messages.at(-1);
    if (last && this.rng.chance(0.12)) last.content += this.rng.pick(DEVELOPER_COT);
    const api = this.client.startsWith('openai')
      ? 'openai'
      : this.client.startsWith('anthropic')
        ? 'anthropic'
        : this.rng.pick(['anthropic', 'openai'] as const);
    return {
      distill: false,
      spec: {
        api,
        client: this.client,
        key: this.key,
        network: this.network,
        model: api === 'anthropic' ? 'claude-sonnet-4-5' : this.thinking ? 'o4-mini' : 'gpt-4o-mini',
        maxTokens: this.maxTokens,
        messages,
        thinkingBudget: api === 'anthropic' && this.thinking ? this.thinking : undefined,
        reasoningEffort: api === 'openai' && this.thinking ? 'high' : undefined,
        temperature: this.rng.chance(0.3) ? 0.2 : undefined,
      },
    };
  }

  react(_action: Action, now: number): void {
    const gap = this.sessionLeft > 0 ? this.rng.exp(2 * MINUTE) : this.rng.exp((24 * HOUR) / this.sessionsPerDay);
    this.nextAt = now + gap;
  }
}
