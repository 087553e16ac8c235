import { db } from "@proofboard/db";
import { createRedis, enqueueRun, knownRunJobIds, publishStatus } from "@proofboard/jobs";
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
  const result: ReconcileResult = { requeued: [], lost: [], retried: [] };
  await advanceAllWaiting();
  result.requeued.push(...(await requeueForgottenRuns()));
  const cutoff = new Date(Date.now() - hostTimeoutSeconds * 1000);
  const silent = await db().run.findMany({
    where: { status: "running", OR: [{ hostId: null }, { host: { lastHeartbeatAt: { lt: cutoff } } }] },
    select: { id: true, host: { select: { name: true } } },
  });
  // A worker enforces its lanes' timeouts; one that is still "running" well past it was dropped.
  const overdue = await db().$queryRaw<{ id: string; name: string | null }[]>`
    SELECT r.id::text AS id, h.name FROM run r LEFT JOIN host h ON h.id = r.host_id
    WHERE r.status = 'running' AND r.started_at + make_interval(secs => r.timeout_seconds + ${LOST_GRACE_SECONDS}) < now()`;
  const orphaned = [
    ...silent.map((r) => ({ id: r.id, reason: `host ${r.host?.name ?? "?"} stopped heartbeating` })),
    ...overdue.filter((o) => !silent.some((s) => s.id === o.id)).map((o) => ({ id: o.id, reason: `host ${o.name ?? "?"} never reported the end of the lane, well past its timeout` })),
  ];
  if (orphaned.length) {
    const redis = createRedis();
    try {
      for (const run of orphaned) {
        const n = await db().run.updateMany({
          where: { id: run.id, status: "running" },
          data: {
            status: "lost",
            failureKind: "infrastructure",
            finishedAt: new Date(),
            reason: run.reason,
          },
        });
        if (n.count) {
          result.lost.push(run.id);
          await publishStatus(redis, run.id, "lost", true);
          const retry = await retryAfterInfrastructureFault(await db().run.findUniqueOrThrow({ where: { id: run.id } }));
          if (retry) result.retried.push(retry.id);
        }
      }
    } finally {
      redis.disconnect();
    }
  }
  return result;
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
