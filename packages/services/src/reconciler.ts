import { db } from "@proofboard/db";
import { createRedis, enqueueRun, knownRunJobIds, publishStatus } from "@proofboard/jobs";
import { hostClassOf, retryAfterInfrastructureFault } from "./runs";

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
  const queued = await db().run.findMany({ where: { status: "queued" }, select: { id: true, hostClass: true } });
  if (queued.length) {
    const known = await knownRunJobIds();
    for (const run of queued) {
      if (known.has(run.id)) continue;
      await enqueueRun(run.id, hostClassOf(run));
      result.requeued.push(run.id);
    }
  }
  const cutoff = new Date(Date.now() - hostTimeoutSeconds * 1000);
  const orphaned = await db().run.findMany({
    where: { status: "running", OR: [{ hostId: null }, { host: { lastHeartbeatAt: { lt: cutoff } } }] },
    select: { id: true, host: { select: { name: true } } },
  });
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
            reason: `host ${run.host?.name ?? "?"} stopped heartbeating`,
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
