import { env, type Rate } from "@proofboard/env";
import { createFailFastRedis, keyPrefix, withinRedisTimeout } from "@proofboard/jobs";
import { logger } from "@proofboard/services";

/**
 * Fixed-window counters in Redis for the rate limits. Redis is transport only: when it cannot
 * answer within REDIS_TIMEOUT_MS a counter answers null and the caller lets the request through
 * (logged), so an outage of Redis never blocks a rerun or a login.
 */

type Redis = ReturnType<typeof createFailFastRedis>;

const REDIS_TIMEOUT_MS = 500;
/** One warning per this long while Redis is away, not one per request. */
const WARN_EVERY_MS = 60_000;

export interface Window {
  count: number;
  /** when the window ends and the count starts again from zero */
  retryAfterSeconds: number;
}

interface Connection {
  url: string;
  client: Redis;
  ready: Promise<void> | null;
}

let connection: Connection | undefined;
let lastWarning = 0;

/** Starts the window on the first hit, and repairs a key that lost its expiry. */
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}
`;

function current(): Connection {
  const url = env().REDIS_URL;
  if (connection?.url !== url) {
    connection?.client.disconnect();
    const client = createFailFastRedis("proofboard-limits");
    // Failures surface as a null count (and one warning); ioredis would otherwise print every reconnect.
    client.on("error", () => undefined);
    connection = { url, client, ready: null };
  }
  return connection;
}

function ready(c: Connection): Promise<void> {
  if (c.client.status === "ready") return Promise.resolve();
  c.ready ??= new Promise<void>((resolve) =>
    c.client.once("ready", () => {
      c.ready = null;
      resolve();
    }),
  );
  return c.ready;
}

async function withRedis<T>(what: string, fn: (client: Redis) => Promise<T>): Promise<T | null> {
  try {
    const c = current();
    return await withinRedisTimeout(
      ready(c).then(() => fn(c.client)),
      REDIS_TIMEOUT_MS,
      what,
    );
  } catch (err) {
    if (Date.now() - lastWarning > WARN_EVERY_MS) {
      lastWarning = Date.now();
      logger("limits").warn("rate limits not enforced: Redis did not answer; letting requests through", { what, err });
    }
    return null;
  }
}

function fullKey(key: string): string {
  return `${keyPrefix()}:limit:${key}`;
}

function toWindow(count: number, pttl: number, rate: Rate): Window {
  return { count, retryAfterSeconds: Math.max(1, Math.ceil((pttl > 0 ? pttl : rate.seconds * 1000) / 1000)) };
}

/** Counts one more in the key's window; null when Redis cannot say. */
export async function hit(key: string, rate: Rate): Promise<Window | null> {
  return withRedis("count", async (client) => {
    const [count, pttl] = (await client.eval(HIT, 1, fullKey(key), String(rate.seconds))) as [number, number];
    return toWindow(count, pttl, rate);
  });
}

/** The key's window without counting; null when Redis cannot say. */
export async function peek(key: string, rate: Rate): Promise<Window | null> {
  return withRedis("read", async (client) => {
    const [count, pttl] = await Promise.all([client.get(fullKey(key)), client.pttl(fullKey(key))]);
    return toWindow(Number(count ?? 0), pttl, rate);
  });
}

export async function clear(key: string): Promise<void> {
  await withRedis("clear", (client) => client.del(fullKey(key)));
}

/** "minute", "15 minutes", "hour", "30 s": how a window reads in a refusal. */
export function windowText(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? "hour" : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? "minute" : `${seconds / 60} minutes`;
  return `${seconds} s`;
}

/** "42 s", "14 min": how long until a refused request may be tried again. */
export function waitText(seconds: number): string {
  return seconds < 120 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
}

/** Tests and shutdown close the connection. */
export function closeCounters(): void {
  connection?.client.disconnect();
  connection = undefined;
}
