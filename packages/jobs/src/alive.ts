import type { Redis } from "ioredis";
import { keyPrefix, withinRedisTimeout } from "./redis";

/**
 * A second sign of life beside the Postgres heartbeat: a worker cut off from Postgres (its writes
 * spooled) still refreshes this key, so its runs are not taken for lost while it keeps them going.
 */
export function aliveKey(hostId: string): string {
  return `${keyPrefix()}:alive:${hostId}`;
}

export async function markAlive(redis: Redis, hostId: string, ttlMs: number): Promise<void> {
  await redis.set(aliveKey(hostId), String(Date.now()), "PX", ttlMs);
}

/** Which of these hosts refreshed their key lately; null when Redis cannot be asked (judge by Postgres alone). */
export async function aliveHosts(redis: Redis, hostIds: readonly string[]): Promise<Set<string> | null> {
  if (!hostIds.length) return new Set();
  // Bounded: a connection that waits for Redis to come back would hold the reconciler for the whole outage.
  const values = await withinRedisTimeout(redis.mget(...hostIds.map(aliveKey)), 2000, "alive keys").catch(() => null);
  if (!values) return null;
  return new Set(hostIds.filter((_, i) => values[i] !== null));
}
