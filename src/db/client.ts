/**
 * One drizzle instance per D1 binding: building one sets up a dialect and a session, which a principal's
 * flush alarm would otherwise repeat every time (a few per second per busy isolate).
 */
import { type DrizzleD1Database, drizzle } from 'drizzle-orm/d1';

const instances = new WeakMap<D1Database, DrizzleD1Database>();

export function database(d1: D1Database): DrizzleD1Database {
  let db = instances.get(d1);
  if (!db) {
    db = drizzle(d1);
    instances.set(d1, db);
  }
  return db;
}
