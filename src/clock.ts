/**
 * The guard's clock. Tests in the Workers runtime share the Worker's isolate and may pin it; nothing a
 * request carries can move it, and production never calls `setTestClock`.
 */
let pinned: (() => number) | null = null;

export function now(): number {
  return pinned ? pinned() : Date.now();
}

/** Test-only: pin the clock (`null` restores wall time). */
export function setTestClock(clock: (() => number) | null): void {
  pinned = clock;
}
