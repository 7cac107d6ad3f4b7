/** The signal registry: every feature name a rule may use, and how to compute them all. */
import { coordination } from './coordination';
import { elicitation } from './elicitation';
import { harvest } from './harvest';
import { history } from './history';
import { identity } from './identity';
import { shape } from './shape';
import type { FeatureMap, Signal, SignalContext } from './signal';
import { timing } from './timing';
import { volume } from './volume';

export type { ClusterSighting, FeatureMap, SignalContext } from './signal';

export const SIGNALS: readonly Signal[] = [volume, elicitation, harvest, shape, identity, timing, history, coordination];

/** Feature name -> description, for validation and the documentation table. */
export const FEATURES: Readonly<Record<string, string>> = Object.assign({}, ...SIGNALS.map((s) => s.features));

/**
 * Every feature, in one fixed order, as the starting map: a copy of it has its final shape at once, so
 * the signals' sixty stores update fields instead of growing a new object key by key.
 */
const TEMPLATE: FeatureMap = Object.fromEntries(Object.keys(FEATURES).map((k) => [k, 0]));

export function computeFeatures(ctx: SignalContext): FeatureMap {
  const out: FeatureMap = { ...TEMPLATE };
  for (const s of SIGNALS) s.compute(ctx, out);
  return out;
}
