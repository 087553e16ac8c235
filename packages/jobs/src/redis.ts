import { env } from "@proofboard/env";
import { Redis } from "ioredis";

export interface RedisConnectionOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls?: Record<string, never>;
  maxRetriesPerRequest: null;
}

/** Connection options, not a shared instance: BullMQ does not close instances it is given. */
export function redisOptions(): RedisConnectionOptions {
  const url = new URL(env().REDIS_URL);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === "rediss:" ? {} : undefined,
    maxRetriesPerRequest: null,
  };
}

export function createRedis(): Redis {
  return new Redis(redisOptions());
}

export function keyPrefix(): string {
  return env().PROOFBOARD_REDIS_PREFIX;
}
