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

/** Every feature name, in the order of a feature vector. */
export const FEATURE_NAMES: readonly string[] = Object.keys(FEATURES);

/** A feature map as numbers in `FEATURE_NAMES` order: what compiled rules read, by index. */
export type FeatureVector = Float64Array;

export function newFeatureVector(): FeatureVector {
  return new Float64Array(FEATURE_NAMES.length);
}

/**
 * A feature map's values into `out` (a missing or null value is 0). Rules read ~100 values a request;
 * by name, from one load site, that is a megamorphic keyed load each. A map `computeFeatures` made
 * holds every name in vector order, so one in-order pass reads it; any other map (a stored, compacted
 * sample) is read by name from where its order first differs.
 */
export function featureVector(map: FeatureMap, out: FeatureVector): FeatureVector {
  const n = FEATURE_NAMES.length;
  let i = 0;
  for (const name in map) {
    if (i === n || name !== FEATURE_NAMES[i]) break;
    out[i++] = map[name] ?? 0;
  }
  for (; i < n; i++) out[i] = map[FEATURE_NAMES[i] as string] ?? 0;
  return out;
}
