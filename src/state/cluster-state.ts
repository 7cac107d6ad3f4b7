import { DurableObject } from 'cloudflare:workers';

/** Per-cluster-shard engine state (distinct principals, volume, verdict). Filled in by the live-state work. */
export class ClusterState extends DurableObject<Cloudflare.Env> {}
