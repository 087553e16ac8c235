/**
 * Whether a failed PostgreSQL write failed because the database could not be reached (refused,
 * reset, restarting, out of connections), so the same write is worth making again later. Anything
 * else (a stale fence, a constraint, a bad value) is an answer from the database and is final.
 */

/** node's socket errors on the way to the server */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
]);
/** SQLSTATEs of a server going away or not taking connections (class 08, 57P0x, too many connections) */
const SQLSTATES = new Set(["08000", "08001", "08003", "08004", "08006", "57P01", "57P02", "57P03", "53300"]);
/** Prisma's codes for the same (can't reach, timed out, closed, pool timeout, too many connections) */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2037"]);
/** the pg driver adapter's kinds of DriverAdapterError for the same */
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
const MESSAGES =
  /connection terminated|can't reach database server|server closed the connection|timeout exceeded when trying to connect|client has encountered a connection error|the database system is (starting up|shutting down|in recovery)|terminating connection due to administrator command|connection is closed/i;

interface ErrorLike {
  code?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown; code?: unknown };
}

function* causes(err: unknown, depth = 0): Generator<ErrorLike> {
  if (!err || typeof err !== "object" || depth > 5) return;
  const e = err as ErrorLike;
  yield e;
  yield* causes(e.cause, depth + 1);
  yield* causes(e.meta?.driverAdapterError, depth + 1);
}

export function isDatabaseUnreachable(err: unknown): boolean {
  for (const e of causes(err)) {
    const code = typeof e.code === "string" ? e.code : null;
    if (code && (SOCKET_CODES.has(code) || SQLSTATES.has(code) || PRISMA_CODES.has(code))) return true;
    if (typeof e.originalCode === "string" && SQLSTATES.has(e.originalCode)) return true;
    if (typeof e.meta?.code === "string" && SQLSTATES.has(e.meta.code)) return true;
    if (typeof e.kind === "string" && ADAPTER_KINDS.has(e.kind)) return true;
    if (typeof e.message === "string" && MESSAGES.test(e.message)) return true;
  }
  return false;
}
