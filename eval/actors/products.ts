/** Legitimate look-alikes: an IDE agent product's users, batch jobs, and benchmark runs (gray). */
import type { Action } from '../../src/engine/types';
import { fixedNetwork, type Network } from '../client';
import type { Corpus, Prompt } from '../corpus';
import type { Rng } from '../rng';
import { type Actor, type Emitted, HOUR, MINUTE } from './actor';

export const IDE_SYSTEM =
  'You are CodePilot, an autonomous coding agent inside the user\u2019s editor. Use the tools to read and edit files and run commands. ' +
  'Prefer small, verified changes. Explain what you changed at the end.';
export const IDE_TOOLS = [
  { name: 'read_file', params: ['path'] },
  { name: 'write_file', params: ['content', 'path'] },
  { name: 'run_command', params: ['command', 'cwd'] },
  { name: 'search_code', params: ['query'] },
];

/** One user of an IDE agent product: many keys share its system prompt and tool schema. */
export class CodingAgentUser implements Actor {
  readonly group = 'coding-agent';
  readonly kind = 'benign';
  nextAt: number;
  private task: string | null = null;
  private step = 0;
  private steps = 0;
  private readonly network: Network;

  constructor(
    private readonly rng: Rng,
    private readonly tasks: Prompt[],
    readonly key: string,
    private readonly tasksPerDay: number,
    start: number,
  ) {
    this.network = fixedNetwork(rng, rng.pick([7922, 701, 3320]));
    this.nextAt = start + rng.exp(3 * HOUR);
  }

  emit(): Emitted {
    if (!this.task || this.step >= this.steps) {
      this.task = this.rng.pick(this.tasks).text;
      this.step = 0;
      this.steps = this.rng.int(3, 14);
    }
    const toolResults = this.step;
    this.step++;
    return {
      distill: false,
      spec: {
        api: 'anthropic',
        client: 'anthropic-js',
        key: this.key,
        network: this.network,
        model: 'claude-sonnet-4-5',
        maxTokens: 8192,
        thinkingBudget: 2048,
        system: IDE_SYSTEM,
        tools: IDE_TOOLS,
        messages: [{ role: 'user', content: this.task }],
        toolResults,
        stream: true,
      },
    };
  }

  react(_action: Action, now: number): void {
    this.nextAt = now + (this.step < this.steps ? this.rng.exp(20_000) : this.rng.exp((24 * HOUR) / this.tasksPerDay));
  }
}

/** A nightly classification job: one template, bursty, tiny outputs, temperature 0. */
export class BatchJob implements Actor {
  readonly group = 'batch-job';
  readonly kind = 'benign';
  nextAt: number;
  private left = 0;
  private readonly network: Network;

  constructor(
    private readonly rng: Rng,
    private readonly texts: Prompt[],
    readonly key: string,
    private readonly perBurst: number,
    burstHour: number,
    start: number,
  ) {
    this.network = fixedNetwork(rng, 16509);
    this.nextAt = start + ((burstHour * HOUR - (start % (24 * HOUR)) + 24 * HOUR) % (24 * HOUR));
  }

  emit(): Emitted {
    if (this.left <= 0) this.left = this.perBurst;
    this.left--;
    const text = this.rng.pick(this.texts).text;
    return {
      distill: false,
      spec: {
        api: 'openai',
        client: 'httpx',
        key: this.key,
        network: this.network,
        model: 'gpt-4o-mini',
        maxTokens: 16,
        temperature: 0,
        messages: [
          {
            role: 'user',
            content: `Classify the customer message into exactly one intent label from our taxonomy.\n\nMessage: "${text}"\n\nRespond with only the label.`,
          },
        ],
      },
    };
  }

  react(_action: Action, now: number): void {
    this.nextAt = this.left > 0 ? now + this.rng.exp(400) : now + 24 * HOUR - this.perBurst * 400 + this.rng.exp(MINUTE);
  }
}

/** A research partner's benchmark run: exam questions, temperature 0, one burst. Gray: may be challenged, not blocked. */
export class EvalRun implements Actor {
  readonly group = 'eval-run';
  readonly kind = 'gray';
  nextAt: number;
  private left: number;
  private readonly network: Network;

  constructor(
    private readonly rng: Rng,
    private readonly corpus: Corpus,
    readonly key: string,
    total: number,
    start: number,
    private readonly math: boolean,
  ) {
    this.left = total;
    this.network = fixedNetwork(rng, 15169);
    this.nextAt = start;
  }

  emit(): Emitted {
    this.left--;
    const q = this.rng.pick(this.math ? this.corpus.gsm8k : this.corpus.mmlu).text;
    const content = this.math
      ? `${q}\nLet's think step by step. At the end, write "The answer is" followed by the number.`
      : `${q}\nAnswer with the letter of the correct option only.`;
    return {
      distill: false,
      spec: {
        api: 'openai',
        client: 'openai-py',
        key: this.key,
        network: this.network,
        model: 'gpt-4o-mini',
        maxTokens: this.math ? 1024 : 8,
        temperature: 0,
        messages: [{ role: 'user', content }],
      },
    };
  }

  react(action: Action, now: number): void {
    // A stopped benchmark harness backs off and resumes; it does not rotate keys.
    const stopped = action === 'throttle' || action === 'challenge' || action === 'block';
    this.nextAt = this.left > 0 ? now + (stopped ? 5 * MINUTE : this.rng.exp(1500)) : Number.POSITIVE_INFINITY;
  }
}
