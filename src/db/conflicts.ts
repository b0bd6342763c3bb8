// Two Postgres transactions that wait on each other's rows: the database ends one of them
// (deadlock, 40P01; or a serialization failure, 40001) and rolls all of its work back. Writes of
// many records in one transaction (bulk actions, hand-overs) meet like this: each takes the
// board's totals rows (one per owner, stage, team and currency) in the order of its own
// selection, and no order of the records is one order of those rows for everyone. A transaction
// that only touches the database can simply run again; any other caught here is answered 503.
import { setTimeout as sleep } from 'node:timers/promises';

const CONFLICT_CODES = new Set(['40P01', '40001']);

export function isTransactionConflict(err: unknown): boolean {
  return CONFLICT_CODES.has((err as { code?: unknown } | null)?.code as string);
}

/**
 * Runs `transaction` (which opens, commits or rolls back its own transaction and does nothing
 * outside the database) again when Postgres ended it for a conflict, up to `attempts` times,
 * after a short random pause so that the two do not meet again at once.
 */
export async function retryingConflicts<T>(transaction: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (err) {
      if (!isTransactionConflict(err) || attempt >= attempts) throw err;
      await sleep(5 + Math.random() * 25 * attempt);
    }
  }
}
