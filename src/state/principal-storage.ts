/**
 * A principal's object's storage layout (docs/storage.md): its record and its decisions not yet in D1,
 * as one value under `state`, so a write is one storage row. Until stop 18 they were two keys (`record`
 * and `pending`), two rows a write: an object that finds them reads them once and deletes them at its
 * next write.
 */
import type { PrincipalRecord } from '../engine/state/principal';
import { countRows } from '../isolate-stats';
import type { DecisionBucket, PrincipalSummary } from './recorder';

/**
 * Decisions a restarted object found stored, with the number of the flush they were stored for: that
 * flush may have landed in D1 before the object could store that it had (src/state/recorder.ts).
 */
export interface CarriedFlush {
  seq: number;
  buckets: Record<string, DecisionBucket>;
}

/** Decisions and the summary waiting for the D1 flush, and the flush's and the alert's own state. */
export interface Pending {
  buckets: Record<string, DecisionBucket>;
  summary: PrincipalSummary | null;
  failures: number;
  /** The number of this object's next D1 flush (absent before stop 21: 0). */
  flushSeq?: number;
  carried?: CarriedFlush[];
  /** When this principal was first stopped: kept across flushes for the ban feed's cursor. */
  stoppedAt: number | null;
  /** The stop alert not yet accepted by ALERT_WEBHOOK_URL, and whether one was ever sent. */
  alert?: PrincipalSummary | null;
  alerted?: boolean;
}

export interface StoredPrincipal {
  record?: PrincipalRecord;
  pending?: Pending;
}

export const STATE_KEY = 'state';
const LEGACY_KEYS = ['record', 'pending'];

export class PrincipalStorage {
  /** What storage held when this object started (read once: afterwards the object's memory is newer). */
  private stored: Promise<StoredPrincipal> | null = null;
  /** The previous layout's keys are still stored. */
  private legacy = false;

  constructor(private readonly storage: DurableObjectStorage) {}

  read(): Promise<StoredPrincipal> {
    this.stored ??= this.storage.get<StoredPrincipal | PrincipalRecord | Pending>([STATE_KEY, ...LEGACY_KEYS]).then((got) => {
      const state = got.get(STATE_KEY) as StoredPrincipal | undefined;
      this.legacy = LEGACY_KEYS.some((k) => got.has(k));
      return {
        record: state?.record ?? (got.get('record') as PrincipalRecord | undefined),
        pending: state?.pending ?? (got.get('pending') as Pending | undefined),
      };
    });
    return this.stored;
  }

  /** One row: the record (when there is one) and the pending decisions. */
  async write(record: PrincipalRecord | null | undefined, pending: Pending): Promise<void> {
    await this.storage.put(STATE_KEY, record ? { record, pending } : { pending });
    countRows('objectRows', 1);
    if (!this.legacy) return;
    await this.storage.delete(LEGACY_KEYS);
    countRows('objectRows', LEGACY_KEYS.length);
    this.legacy = false;
  }
}
