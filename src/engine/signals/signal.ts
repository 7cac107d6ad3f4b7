/** A signal turns a request's features and its principal's and clusters' state into named numbers. */
import type { ClusterStats, ClusterVerdict } from '../state/cluster';
import type { PrincipalRecord } from '../state/principal';
import type { ClusterKind, Features } from '../types';

/** What the isolate knows about one of the request's clusters (from the verdict board). */
export interface ClusterSighting {
  key: string;
  kind: ClusterKind;
  stats: ClusterStats;
  verdict: ClusterVerdict | null;
  /** The verdict's rules are all in `enforce` in the current rule set. */
  verdictEnforced: boolean;
}

export interface SignalContext {
  features: Features;
  principal: PrincipalRecord;
  clusters: ClusterSighting[];
  now: number;
}

export type FeatureMap = Record<string, number>;

export interface Signal {
  readonly name: string;
  /** Feature name -> what it means (the operators' vocabulary; documented in docs/features.md). */
  readonly features: Readonly<Record<string, string>>;
  compute(ctx: SignalContext, out: FeatureMap): void;
}

export const b = (v: boolean): number => (v ? 1 : 0);
