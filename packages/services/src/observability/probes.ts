import { db } from "@proofboard/db";
import { env } from "@proofboard/env";
import { createFailFastRedis, withinRedisTimeout } from "@proofboard/jobs";

/**
 * Bounded checks of Postgres and Redis for /health and /metrics: a scrape or a load balancer's
 * probe must get an answer while a dependency hangs, not wait for it.
 */

export const PROBE_TIMEOUT_MS = 1500;

export interface DependencyCheck {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

async function timed(check: () => Promise<unknown>): Promise<DependencyCheck> {
  const t0 = performance.now();
  try {
    await check();
    return { ok: true, latencyMs: Math.round((performance.now() - t0) * 10) / 10 };
  } catch (err) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - t0),
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

/** Rejects when `p` has not settled within `ms`: a hung dependency costs a scrape its figures, not its answer. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function checkPostgres(timeoutMs = PROBE_TIMEOUT_MS): Promise<DependencyCheck> {
  return timed(() => within(db().$queryRaw`SELECT 1 AS ok`, timeoutMs, "Postgres"));
}

type ProbeClient = ReturnType<typeof createFailFastRedis>;

interface Probe {
  url: string;
  client: ProbeClient;
  /** one wait for the connection shared by every check while it is down (no listener per scrape) */
  ready: Promise<void> | null;
}

let probe: Probe | undefined;

/** One connection for every probe, not one per scrape; a command fails at once while it is down. */
function currentProbe(): Probe {
  const url = env().REDIS_URL;
  if (probe?.url !== url) {
    probe?.client.disconnect();
    const client = createFailFastRedis("proofboard-health");
    // Failures are reported by the probe's result; ioredis would otherwise print every reconnect.
    client.on("error", () => undefined);
    probe = { url, client, ready: null };
  }
  return probe;
}

function ready(p: Probe): Promise<void> {
  if (p.client.status === "ready") return Promise.resolve();
  p.ready ??= new Promise<void>((resolve) =>
    p.client.once("ready", () => {
      p.ready = null;
      resolve();
    }),
  );
  return p.ready;
}

export function checkRedis(timeoutMs = PROBE_TIMEOUT_MS): Promise<DependencyCheck> {
  return timed(async () => {
    const p = currentProbe();
    await withinRedisTimeout(
      ready(p).then(() => p.client.ping()),
      timeoutMs,
      "PING",
    );
  });
}

/**
 * The probes' connection once it is ready, for other bounded reads (the hosts page's signs of
 * life); null when Redis did not answer within `ms`.
 */
export async function probeRedis(ms = PROBE_TIMEOUT_MS): Promise<ProbeClient | null> {
  const p = currentProbe();
  return within(ready(p), ms, "Redis").then(
    () => p.client,
    () => null,
  );
}

/** Tests and shutdown close the probe connection. */
export function closeProbes(): void {
  probe?.client.disconnect();
  probe = undefined;
}
