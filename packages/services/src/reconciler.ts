import { db } from "@proofboard/db";
import type { Redis } from "ioredis";
import { aliveHosts, announceStatus, createRedis, enqueueRun, knownRunJobIds } from "@proofboard/jobs";
import { advanceAllWaiting } from "./dependencies";
export { epochKey, rebuildTransport, watchTransport } from "./transport";
import { hostClassOf, retryAfterInfrastructureFault } from "./runs";

/** How long past its timeout a running run may go unreported before it counts as lost. */
const LOST_GRACE_SECONDS = 120;

export interface ReconcileResult {
  requeued: string[];
  lost: string[];
  /** new runs queued for lost ones */
  retried: string[];
}

/**
 * Postgres is the truth: queued runs that Redis forgot (restart, flush) are enqueued again,
 * and running runs whose host stopped heartbeating are marked lost (an infrastructure fault).
 */
export async function reconcile(hostTimeoutSeconds: number): Promise<ReconcileResult> {
  await advanceAllWaiting();
  const requeued = await requeueForgottenRuns();
  return { requeued, ...(await markLostRuns(hostTimeoutSeconds)) };
}

/**
 * Running runs whose worker is gone: its host stopped heartbeating to Postgres and to Redis (a
 * worker cut off from Postgres alone keeps its runs), or it never reported well past the lane's
 * timeout. Cheap enough to run every few seconds, so a dead worker's run is retried within 15 s.
 */
export async function markLostRuns(hostTimeoutSeconds: number): Promise<{ lost: string[]; retried: string[] }> {
  const result = { lost: [] as string[], retried: [] as string[] };
  const cutoff = new Date(Date.now() - hostTimeoutSeconds * 1000);
  const silentRuns = await db().run.findMany({
    where: { status: "running", OR: [{ hostId: null }, { host: { lastHeartbeatAt: { lt: cutoff } } }] },
    select: { id: true, hostId: true, host: { select: { name: true } } },
  });
  // A worker enforces its lanes' timeouts; one that is still "running" well past it was dropped.
  const overdue = await db().$queryRaw<{ id: string; name: string | null }[]>`
    SELECT r.id::text AS id, h.name FROM run r LEFT JOIN host h ON h.id = r.host_id
    WHERE r.status = 'running' AND r.started_at + make_interval(secs => r.timeout_seconds + ${LOST_GRACE_SECONDS}) < now()`;
  if (!silentRuns.length && !overdue.length) return result;
  const redis = createRedis();
  try {
    const hostIds = [...new Set(silentRuns.map((r) => r.hostId).filter((h): h is string => h !== null))];
    const alive = await aliveHosts(redis, hostIds);
    const silent = silentRuns.filter((r) => !r.hostId || !alive?.has(r.hostId));
    const orphaned = [
      ...silent.map((r) => ({ id: r.id, reason: `host ${r.host?.name ?? "?"} stopped heartbeating` })),
      ...overdue
        .filter((o) => !silent.some((s) => s.id === o.id))
        .map((o) => ({
          id: o.id,
          reason: `host ${o.name ?? "?"} never reported the end of the lane, well past its timeout`,
        })),
    ];
    for (const run of orphaned) {
      const ended = await endOrphanedRun(run.id, run.reason, redis);
      if (ended.status !== "lost") continue;
      result.lost.push(run.id);
      if (ended.retryId) result.retried.push(ended.retryId);
    }
  } finally {
    redis.disconnect();
  }
  return result;
}

/**
 * Ends a running run whose worker is gone: canceled when somebody asked to cancel it (no retry),
 * else lost, with its automatic retry. Conditional on it still running, so racing reconcilers,
 * a late completion or a cancel end it once.
 */
export async function endOrphanedRun(
  id: string,
  reason: string,
  redis: Redis,
): Promise<{ status: "lost" | "canceled" | null; retryId: string | null }> {
  const canceled = await db().run.updateMany({
    where: { id, status: "running", cancelRequestedAt: { not: null } },
    data: {
      status: "canceled",
      failureKind: "canceled",
      finishedAt: new Date(),
      reason: `canceled on request; ${reason} before it stopped`,
    },
  });
  if (canceled.count) {
    await announceStatus(redis, id, "canceled", true);
    return { status: "canceled", retryId: null };
  }
  const n = await db().run.updateMany({
    where: { id, status: "running" },
    data: { status: "lost", failureKind: "infrastructure", finishedAt: new Date(), reason },
  });
  if (!n.count) return { status: null, retryId: null };
  await announceStatus(redis, id, "lost", true);
  const retry = await retryAfterInfrastructureFault(await db().run.findUniqueOrThrow({ where: { id } }));
  return { status: "lost", retryId: retry?.id ?? null };
}

/** Queued runs (Postgres) that no BullMQ job stands for are enqueued again; returns their ids. */
export async function requeueForgottenRuns(): Promise<string[]> {
  const requeued: string[] = [];
  const queued = await db().run.findMany({ where: { status: "queued" }, select: { id: true, hostClass: true } });
  if (!queued.length) return requeued;
  const known = await knownRunJobIds();
  for (const run of queued) {
    if (known.has(run.id)) continue;
    await enqueueRun(run.id, hostClassOf(run));
    requeued.push(run.id);
  }
  return requeued;
}
