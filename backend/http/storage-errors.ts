/**
 * Store failures a client can do something about, told apart from bugs. A full disk (SQLITE_FULL, PostgreSQL
 * 53100 disk_full) is 507 and an I/O failure or lost connection 503, so the extension's outbox keeps the signals and
 * retries later; both are logged with the store's own error, and /v1/health reports the store degraded for a while.
 * SQLite rolls a transaction back itself on SQLITE_FULL or an I/O error, so what reaches the app may be only the
 * driver's "cannot rollback - no transaction is active": that too is a failed write, never a bug of the request.
 */
import { ApiError } from './errors.ts';

/** How long /v1/health reports a store failure. */
const DEGRADED_MS = 5 * 60_000;

export interface StoreProblem {
  code: 'storage_full' | 'storage_unavailable';
  message: string;
  at: string;
}

/** The ApiError a store failure answers, or undefined when `error` is not one. */
export function storageFailure(error: unknown): ApiError | undefined {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (code === 'SQLITE_FULL' || code === '53100' || /database or disk is full|no space left on device/i.test(text)) {
    return new ApiError(507, 'storage_full', 'The store is full (disk or size limit): nothing was stored; retry once space is freed');
  }
  if (
    (typeof code === 'string' && /^SQLITE_(IOERR|CANTOPEN|READONLY|CORRUPT|NOTADB)/.test(code)) ||
    code === '57P01' ||
    code === 'ECONNREFUSED' ||
    /cannot rollback - no transaction is active|Connection terminated/i.test(text)
  ) {
    return new ApiError(503, 'storage_unavailable', 'The store failed and rolled back: nothing was stored; retry later');
  }
  return undefined;
}

/** Remembers the latest store failure for /v1/health. */
export class StoreHealth {
  private last: StoreProblem | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  record(failure: ApiError): void {
    this.last = { code: failure.code as StoreProblem['code'], message: failure.message, at: new Date(this.now()).toISOString() };
  }

  /** The failure seen within DEGRADED_MS, if any. */
  problem(): StoreProblem | undefined {
    return this.last && this.now() - Date.parse(this.last.at) < DEGRADED_MS ? this.last : undefined;
  }
}
