/** Build every simulated client from the committed parameters and a seed. */

import { type Actor, DAY, HOUR } from './actors/actor';
import { ChatApp, Developer, SupportBot } from './actors/benign';
import { CampaignAccount, type CampaignConfig, type CampaignShared } from './actors/campaigns';
import { BatchJob, CodingAgentUser, EvalRun } from './actors/products';
import type { Corpus } from './corpus';
import type { Rng } from './rng';

export interface SimParams {
  start: number;
  warmupDays: number;
  days: number;
  benign: {
    chatApps: number;
    chatPerDay: number;
    supportBots: number;
    supportPerDay: number;
    developers: number;
    newDeveloperShare: number;
    devSessionsPerDay: [number, number];
    codingAgents: number;
    agentTasksPerDay: [number, number];
    batchJobs: number;
    batchPerBurst: number;
    evalRuns: number;
    evalRunSize: number;
  };
  campaigns: CampaignConfig[];
}

export interface Population {
  actors: Actor[];
  campaigns: Map<string, CampaignShared>;
}

export function buildPopulation(rng: Rng, corpus: Corpus, p: SimParams, wrappers: readonly string[]): Population {
  const actors: Actor[] = [];
  const b = p.benign;
  const warm = p.start - p.warmupDays * DAY;
  for (let i = 0; i < b.chatApps; i++)
    actors.push(new ChatApp(rng.fork(i), corpus, `sk-ant-chatapp-${i}-${rng.hex(6)}`, b.chatPerDay, i % 3 !== 2, warm));
  const support = [...corpus.banking, ...corpus.clinc];
  for (let i = 0; i < b.supportBots; i++)
    actors.push(new SupportBot(rng.fork(100 + i), support, `sk-support-${i}-${rng.hex(6)}`, b.supportPerDay, warm));
  for (let i = 0; i < b.developers; i++) {
    const late = rng.chance(b.newDeveloperShare);
    const start = late ? p.start + rng.float() * p.days * DAY : warm;
    const sessions = b.devSessionsPerDay[0] + rng.float() * (b.devSessionsPerDay[1] - b.devSessionsPerDay[0]);
    actors.push(new Developer(rng.fork(1000 + i), corpus, `sk-dev-${i}-${rng.hex(6)}`, sessions, start));
  }
  const tasks = corpus.arena;
  for (let i = 0; i < b.codingAgents; i++) {
    const perDay = b.agentTasksPerDay[0] + rng.float() * (b.agentTasksPerDay[1] - b.agentTasksPerDay[0]);
    actors.push(new CodingAgentUser(rng.fork(3000 + i), tasks, `sk-ant-ide-${i}-${rng.hex(6)}`, perDay, warm));
  }
  for (let i = 0; i < b.batchJobs; i++) {
    actors.push(new BatchJob(rng.fork(4000 + i), support, `sk-batch-${i}-${rng.hex(6)}`, b.batchPerBurst, 1 + i * 3, warm));
  }
  for (let i = 0; i < b.evalRuns; i++) {
    const at = p.start + rng.float() * (p.days * DAY - 6 * HOUR);
    actors.push(new EvalRun(rng.fork(5000 + i), corpus, `sk-research-${i}-${rng.hex(6)}`, b.evalRunSize, at, i % 2 === 0));
  }
  const campaigns = new Map<string, CampaignShared>();
  p.campaigns.forEach((config, ci) => {
    const shared: CampaignShared = { config, corpus, wrappers, opened: 0 };
    const name = `${config.kind}`;
    campaigns.set(name, shared);
    for (let a = 0; a < config.accounts; a++) {
      actors.push(new CampaignAccount(rng.fork(10_000 * (ci + 1) + a), shared, name, p.start + rng.float() * HOUR * 2));
    }
  });
  return { actors, campaigns };
}
