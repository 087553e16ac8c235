import { env } from "@proofboard/env";
import { Redis } from "ioredis";

export interface RedisConnectionOptions {
  host?: string;
  port?: number;
  /** set when Redis runs behind Sentinel: ioredis asks these for the current master */
  sentinels?: { host: string; port: number }[];
  name?: string;
  username?: string;
  password?: string;
  db: number;
  tls?: Record<string, never>;
  maxRetriesPerRequest: null;
}

/** Connection options, not a shared instance: BullMQ does not close instances it is given. */
export function redisOptions(): RedisConnectionOptions {
  const e = env();
  const url = new URL(e.REDIS_URL);
  // Behind Sentinel the master moves on failover: the sentinels say where it is, the URL only who we are.
  const where = e.PROOFBOARD_REDIS_SENTINELS
    ? {
        sentinels: e.PROOFBOARD_REDIS_SENTINELS.split(",").map((hp) => {
          const i = hp.lastIndexOf(":");
          return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
        }),
        name: e.PROOFBOARD_REDIS_SENTINEL_NAME,
      }
    : { host: url.hostname, port: Number(url.port || 6379) };
  return {
    ...where,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === "rediss:" ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

/**
 * For BullMQ Queues (producers): a command while Redis is down fails at once instead of waiting in
 * ioredis' offline queue, and one in flight when the connection drops fails after one retry. A
 * rerun then returns with its run saved in Postgres; the reconciler enqueues it once Redis is back.
 * Workers and blocking readers keep `maxRetriesPerRequest: null` (BullMQ requires it for them).
 */
export function queueRedisOptions(): Omit<RedisConnectionOptions, "maxRetriesPerRequest"> & {
  maxRetriesPerRequest: number;
  enableOfflineQueue: false;
} {
  return { ...redisOptions(), maxRetriesPerRequest: 1, enableOfflineQueue: false };
}

/** Redis did not answer in time or refused the command because it is not connected. */
export class RedisUnavailableError extends Error {
  constructor(detail: string) {
    super(`Redis unreachable: ${detail}`);
    this.name = "RedisUnavailableError";
  }
}

/** ioredis' and BullMQ's ways of saying the connection is not there (not a refused command). */
export function isRedisUnavailable(err: unknown): boolean {
  if (err instanceof RedisUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  if (err.name === "MaxRetriesPerRequestError") return true;
  const code = (err as { code?: unknown }).code;
  if (
    typeof code === "string" &&
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "EPIPE"].includes(code)
  )
    return true;
  return /enableOfflineQueue|Connection is closed|Stream isn't writeable|connect ECONNREFUSED|Reached the max retries/i.test(
    err.message,
  );
}

/** Rejects with RedisUnavailableError when `p` has not settled within `ms`. */
export async function withinRedisTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisUnavailableError(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long a cut (a disconnect after a close that did not finish) may take in turn. */
const CUT_MS = 1000;

/**
 * Ends BullMQ clients whatever Redis does. Their close (already asked for: `closing`) needs Redis,
 * so while it is down that waits forever: it gets `ms`, then the clients are cut, since only a
 * disconnect ends a client and its reconnect timer. The cut is bounded as well: BullMQ first waits
 * for a connection that may never have come up. Resolves whether the close finished in time.
 */
export async function closeOrCut(
  closing: Promise<unknown>,
  cut: () => Promise<unknown>,
  ms: number,
  what: string,
): Promise<boolean> {
  const closed = await withinRedisTimeout(closing, ms, what).then(
    () => true,
    () => false,
  );
  if (!closed) await withinRedisTimeout(cut(), CUT_MS, `${what}: disconnecting`).catch(() => undefined);
  return closed;
}

/** A connection whose commands fail at once while Redis is down, for health probes and metrics. */
export function createFailFastRedis(connectionName: string): Redis {
  return new Redis({ ...queueRedisOptions(), connectionName });
}

export function createRedis(): Redis {
  const redis = new Redis(redisOptions());
  // While Redis is down its commands wait or fail, and their callers handle that; the connection's
  // own error events (one per reconnect attempt) would otherwise print "Unhandled error event".
  redis.on("error", () => undefined);
  return redis;
}

export function keyPrefix(): string {
  return env().PROOFBOARD_REDIS_PREFIX;
}
