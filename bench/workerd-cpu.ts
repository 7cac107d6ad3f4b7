/** CPU time of local workerd processes, from /proc: what a guarded request costs the runtime, load aside. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export function workerdPids(): number[] {
  try {
    return execFileSync('ps', ['-C', 'workerd', '-o', 'pid='], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU milliseconds used so far by these processes (0 for one that is gone). */
export function cpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}
