/** Write docs/features.md from the signal registry: the one table of names rules may use. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SIGNALS } from '../src/engine/signals';

export function featuresDoc(): string {
  const lines = [
    '# Features: the vocabulary of rules',
    '',
    'Generated from `src/engine/signals/` by `npm run docs:features`; a test fails when it is stale.',
    'Every name below can appear in a rule condition (`{ "feature": name, "gte": n }`). `request.*` describe',
    'the request alone; `principal.*` the principal\u2019s state including this request; `cluster.*` what the',
    'verdict board knows about the clusters the request belongs to. Shares are recent exponentially',
    'weighted means (exact averages over the first 32 requests).',
    '',
    '| feature | signal | meaning |',
    '|---|---|---|',
  ];
  for (const signal of SIGNALS) {
    for (const [name, meaning] of Object.entries(signal.features))
      lines.push(`| \`${name}\` | ${signal.name} | ${meaning.replace(/\|/g, '\\|')} |`);
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1]?.endsWith('features-doc.ts')) {
  writeFileSync(resolve(import.meta.dirname, '../docs/features.md'), featuresDoc());
  console.log('wrote docs/features.md');
}
