/** Faults the guard absorbed (a state call that threw or timed out), counted per hour in D1 from waitUntil. */
import { sql } from 'drizzle-orm';
import { database } from '../db/client';
import { faultsHourly } from '../db/schema';

export async function recordFault(db: D1Database, kind: string, message: string, now: number): Promise<void> {
  const hour = Math.floor(now / 3_600_000) * 3_600_000;
  try {
    await database(db)
      .insert(faultsHourly)
      .values({ hour, kind, count: 1, lastMessage: message.slice(0, 300) })
      .onConflictDoUpdate({
        target: [faultsHourly.hour, faultsHourly.kind],
        set: { count: sql`${faultsHourly.count} + 1`, lastMessage: sql`excluded.last_message` },
      });
  } catch (err) {
    // D1 down as well: the log line is the record.
    console.error(JSON.stringify({ event: 'fault_not_recorded', kind, message: String(err) }));
  }
}
