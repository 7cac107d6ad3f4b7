/**
 * The corpus the tests simulate traffic from: the shared one where it is found (CI, a checkout beside
 * `../shared`), else the sample in test/fixtures/corpus, so `npm test` passes in a clone anywhere.
 */
import { resolve } from 'node:path';
import { findCorpusDir } from '../../../eval/corpus';

export function testCorpusDir(): string {
  return findCorpusDir() ?? resolve(import.meta.dirname, '../../fixtures/corpus');
}
