import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { featuresDoc } from '../../scripts/features-doc';

it('docs/features.md documents every feature a rule may use (run npm run docs:features when it fails)', () => {
  expect(readFileSync('docs/features.md', 'utf8')).toBe(featuresDoc());
});
