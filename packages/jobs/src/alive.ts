import type { Redis } from "ioredis";
import { keyPrefix, withinRedisTimeout } from "./redis";

/**
 * A second sign of life beside the Postgres heartbeat: a worker cut off from Postgres (its writes
 * spooled) still refreshes this key, so its runs are not taken for lost while it keeps them going,
 * and the hosts page can say it is alive but cut off, with how much it holds for the database.
 */
export function aliveKey(hostId: string): string {
  return `${keyPrefix()}:alive:${hostId}`;
}

export interface SignOfLife {
  /** when the worker last refreshed the key (ms since the epoch) */
  at: number;
  /** bytes its runs hold in spool files for PostgreSQL, which could not take them */
  spooledBytes: number;
}

export async function markAlive(redis: Redis, hostId: string, ttlMs: number, spooledBytes = 0): Promise<void> {
  const sign: SignOfLife = { at: Date.now(), spooledBytes };
  await redis.set(aliveKey(hostId), JSON.stringify(sign), "PX", ttlMs);
}

/** A key's value: JSON, or the bare time that workers before it wrote. Anything else is no sign. */
export function parseSignOfLife(value: string): SignOfLife | null {
  if (/^\d+$/.test(value)) return { at: Number(value), spooledBytes: 0 };
  try {
    const v = JSON.parse(value) as Partial<SignOfLife>;
    if (typeof v.at !== "number" || !Number.isFinite(v.at)) return null;
    const spooled = typeof v.spooledBytes === "number" && v.spooledBytes > 0 ? v.spooledBytes : 0;
    return { at: v.at, spooledBytes: spooled };
  } catch {
    return null;
  }
}

async function readKeys(redis: Redis, hostIds: readonly string[]): Promise<(string | null)[] | null> {
  // Bounded: a connection that waits for Redis to come back would hold its caller for the whole outage.
  return withinRedisTimeout(redis.mget(...hostIds.map(aliveKey)), 2000, "alive keys").catch(() => null);
}

/** Which of these hosts refreshed their key lately; null when Redis cannot be asked (judge by Postgres alone). */
export async function aliveHosts(redis: Redis, hostIds: readonly string[]): Promise<Set<string> | null> {
  if (!hostIds.length) return new Set();
  const values = await readKeys(redis, hostIds);
  if (!values) return null;
  return new Set(hostIds.filter((_, i) => values[i] !== null));
}

/** Each host's last sign of life on Redis (hosts without one are absent); null when Redis cannot be asked. */
export async function signsOfLife(redis: Redis, hostIds: readonly string[]): Promise<Map<string, SignOfLife> | null> {
  if (!hostIds.length) return new Map();
  const values = await readKeys(redis, hostIds);
  if (!values) return null;
  const signs = new Map<string, SignOfLife>();
  values.forEach((v, i) => {
    const sign = v === null ? null : parseSignOfLife(v);
    if (sign) signs.set(hostIds[i]!, sign);
  });
  return signs;
}
