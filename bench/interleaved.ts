import type autocannon from 'autocannon';

/**
 * A request list as autocannon's `requests`, taken in turn by all connections together. Given the list
 * itself, each connection walks it from its start, so the connections send the same request (one key,
 * one body) at about the same time: a burst of as many copies as connections, which a guard serves as
 * one mirrored batch and prompt-memo hits, and a walk that in a short run never reaches the later
 * entries (until stop 21 the benches measured that).
 */
export function interleaved(reqs: readonly autocannon.Request[]): autocannon.Request[] {
  let next = 0;
  return [{ setupRequest: (req) => ({ ...req, ...reqs[next++ % reqs.length] }) }];
}
