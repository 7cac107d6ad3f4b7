import { DurableObject } from 'cloudflare:workers';

/** Per-principal engine state (windows, shares, standing decision). Filled in by the live-state work. */
export class PrincipalState extends DurableObject<Cloudflare.Env> {}
