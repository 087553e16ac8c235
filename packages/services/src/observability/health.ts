import { db } from "@proofboard/db";
import { checkPostgres, checkRedis, PROBE_TIMEOUT_MS, type DependencyCheck } from "./probes";

export interface HealthReport {
  /** Postgres and Redis answered (and, for a worker, its own heartbeat is recent) */
  ok: boolean;
  /** what failed, e.g. ["redis"]; empty when ok */
  failed: string[];
  postgres: DependencyCheck;
  redis: DependencyCheck;
  /** the newest heartbeat of any host (web), or of this worker's host (worker); null when unknown */
  heartbeat: { host: string; ageSeconds: number } | null;
}

export interface HealthOptions {
  /** a worker's own host: its heartbeat is checked, not the newest of all */
  hostId?: string;
  /** with hostId: a heartbeat older than this fails the check (the reconciler would call the host lost) */
  hostTimeoutSeconds?: number;
  timeoutMs?: number;
}

async function newestHeartbeat(hostId: string | undefined): Promise<HealthReport["heartbeat"]> {
  const host = await db().host.findFirst({
    where: hostId ? { id: hostId } : {},
    orderBy: { lastHeartbeatAt: "desc" },
    select: { name: true, lastHeartbeatAt: true },
  });
  if (!host) return null;
  return { host: host.name, ageSeconds: Math.max(0, (Date.now() - host.lastHeartbeatAt.getTime()) / 1000) };
}

/**
 * Postgres and Redis, each with its latency, and the last heartbeat: for /api/health (web) and a
 * worker's /health. Every check is bounded, so the answer comes within about `timeoutMs`.
 */
export async function checkHealth(o: HealthOptions = {}): Promise<HealthReport> {
  const timeoutMs = o.timeoutMs ?? PROBE_TIMEOUT_MS;
  const [postgres, redis] = await Promise.all([checkPostgres(timeoutMs), checkRedis(timeoutMs)]);
  const heartbeat = postgres.ok ? await newestHeartbeat(o.hostId).catch(() => null) : null;
  const failed: string[] = [];
  if (!postgres.ok) failed.push("postgres");
  if (!redis.ok) failed.push("redis");
  if (o.hostId && postgres.ok) {
    const stale = !heartbeat || (o.hostTimeoutSeconds !== undefined && heartbeat.ageSeconds > o.hostTimeoutSeconds);
    if (stale) failed.push("heartbeat");
  }
  return { ok: failed.length === 0, failed, postgres, redis, heartbeat };
}
