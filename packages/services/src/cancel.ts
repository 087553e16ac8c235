import { isTerminal } from "@proofboard/domain";
import { db, type Run } from "@proofboard/db";
import { announceStatus, createRedis, publishRunControl, removeRunJob } from "@proofboard/jobs";
import { advanceWaiting } from "./dependencies";
import { hostClassOf, runById } from "./runs";

/**
 * Cancel: a queued run ends at once; a running one is stopped by its worker (told over
 * pub/sub, and by its heartbeat poll should the message be lost), process group and VMs.
 */
export async function cancelRun(id: string, by: string): Promise<Run> {
  const run = await runById(id);
  if (isTerminal(run.status)) return run;
  const redis = createRedis();
  try {
    const queued = await db().run.updateMany({
      where: { id: run.id, status: { in: ["queued", "waiting"] } },
      data: {
        status: "canceled",
        failureKind: "canceled",
        finishedAt: new Date(),
        cancelRequestedAt: new Date(),
        reason: `canceled by ${by} before it started`,
      },
    });
    if (queued.count) {
      // Redis is transport: a job it keeps finds its run canceled when a worker takes it, and watchers
      // read the status from PostgreSQL too. Neither waits on a Redis that is down.
      await removeRunJob(run.id, hostClassOf(run)).catch(() => undefined);
      await announceStatus(redis, run.id, "canceled", true);
      // a commit whose catalog cannot be read keeps its waiting runs waiting; the cancel itself is done
      await advanceWaiting(run.repositoryId, run.commitSha).catch(() => undefined);
    } else {
      await db().run.updateMany({
        where: { id: run.id, cancelRequestedAt: null },
        data: { cancelRequestedAt: new Date() },
      });
      // The worker also finds cancelRequestedAt at its next heartbeat: pub/sub only makes it sooner.
      await publishRunControl(redis, { type: "cancel", runId: run.id }).catch(() => undefined);
    }
  } finally {
    redis.disconnect();
  }
  return runById(id);
}

/** Of the given running runs, those a person asked to cancel. */
export async function cancelRequested(runIds: string[]): Promise<string[]> {
  if (!runIds.length) return [];
  const rows = await db().run.findMany({
    where: { id: { in: runIds }, cancelRequestedAt: { not: null } },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}
