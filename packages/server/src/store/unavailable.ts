/**
 * Which errors mean "the database cannot be reached right now" (→ StoreUnavailableError, answered
 * with STORE_UNAVAILABLE and retried later) as opposed to a constraint violation or a bug, which
 * must surface as themselves.
 */

/** Socket-level failures from Node (pg connecting or talking to the server). */
const NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** PostgreSQL SQLSTATEs for a server that is going away, starting, or full. Class 08 is added below. */
const PG_CODES = new Set([
  '57P01', // admin_shutdown: terminating connection due to administrator command (restart)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the database system is starting up / shutting down
  '53300', // too_many_connections
]);

/** SQLite result codes for a database file we cannot use right now (busy past busy_timeout, I/O). */
const SQLITE_PREFIXES = ['SQLITE_BUSY', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_FULL', 'SQLITE_PROTOCOL'];

/** pg's own messages for a client whose socket died or never came up; these carry no code. */
const PG_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

export function isUnavailable(err: unknown, depth = 0): boolean {
  if (depth > 4 || typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (NODE_CODES.has(code) || PG_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  if (SQLITE_PREFIXES.some((p) => code.startsWith(p))) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  if (PG_MESSAGES.some((m) => message.includes(m))) return true;
  // Node's happy-eyeballs connect rejects with an AggregateError of per-address failures.
  if (Array.isArray(e.errors) && e.errors.some((x) => isUnavailable(x, depth + 1))) return true;
  return isUnavailable(e.cause, depth + 1);
}
