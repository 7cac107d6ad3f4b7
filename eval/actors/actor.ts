/** A simulated client: it says when it sends next, what it sends, and how it reacts to a decision. */
import type { Action } from '../../src/engine/types';
import type { CallSpec } from '../client';
import type { Prompt, Turn } from '../corpus';
import type { Rng } from '../rng';

export type ActorKind = 'benign' | 'gray' | 'campaign';

export interface Emitted {
  spec: CallSpec;
  /** A harvesting request (counts toward the campaign's harvest); cover traffic is false. */
  distill: boolean;
}

export interface Actor {
  readonly group: string;
  readonly kind: ActorKind;
  /** Epoch ms of the next request; Infinity when done. */
  nextAt: number;
  emit(): Emitted;
  react(action: Action, now: number): void;
}

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** Daytime is busier: a smooth factor between 0.3 and 1.7 over the day. */
export function diurnal(ts: number, phase = 0): number {
  const h = ((ts / HOUR + phase) % 24) / 24;
  return 1 - 0.7 * Math.cos(2 * Math.PI * h);
}

/** Gap to the next request of a Poisson process with `perDay` mean, shaped by the time of day. */
export function poissonGap(rng: Rng, perDay: number, ts: number, phase = 0): number {
  return rng.exp(DAY / perDay / diurnal(ts, phase));
}

/** A conversation in progress: its turns so far, and what the user says next. */
export class Conversation {
  private step = 0;
  constructor(
    private readonly userTurns: string[],
    private readonly assistantTurns: string[],
  ) {}

  static from(prompt: Prompt, maxTurns: number): Conversation {
    if (!prompt.turns) return new Conversation([prompt.text], []);
    const users = prompt.turns.filter((t) => t.role === 'user').map((t) => t.content);
    const assistants = prompt.turns.filter((t) => t.role === 'assistant').map((t) => t.content);
    return new Conversation(users.slice(0, maxTurns), assistants);
  }

  get done(): boolean {
    return this.step >= this.userTurns.length;
  }

  /** The messages of the next request (all turns so far plus the next user turn). */
  next(): Turn[] {
    const out: Turn[] = [];
    for (let i = 0; i <= this.step; i++) {
      out.push({ role: 'user', content: this.userTurns[i] as string });
      if (i < this.step) out.push({ role: 'assistant', content: this.assistantTurns[i] ?? 'Sure, here is what I found.' });
    }
    this.step++;
    return out;
  }
}
