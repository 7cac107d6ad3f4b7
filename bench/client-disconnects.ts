/**
 * workerd logs every connection a client drops mid-response as an error with a native stack: autocannon
 * closes its connections at the end of each phase, so a bench run printed dozens of red "Broken pipe" /
 * "Connection reset by peer" blocks that are not the guard's errors (what clients saw is in the errors
 * columns). The benches hide exactly those and say how many at exit; every other line is printed as is.
 */
const DROPPED = /disconnected: ::write\(.*\): (Broken pipe|Connection reset by peer)/;
const STACK_ONLY = /^\s*stack: [^\n]*\s*$/;

let hidden = 0;
let installed = false;

export function hideClientDisconnects(): void {
  if (installed) return;
  installed = true;
  const write = process.stderr.write.bind(process.stderr) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
  let afterHidden = false;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (DROPPED.test(text)) {
      hidden++;
      afterHidden = true;
      return true;
    }
    // The block's stack, when it comes as a write of its own.
    if (afterHidden && (STACK_ONLY.test(text) || text.trim() === '')) return true;
    afterHidden = false;
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;
  process.on('exit', () => {
    if (hidden > 0) write(`(workerd logged ${hidden} connection${hidden === 1 ? '' : 's'} the load generator dropped; not shown)\n`);
  });
}
