import { db } from "@proofboard/db";

/**
 * A claimed run that could not start for a reason that is not the lane's (its catalog cannot be
 * read): back to `waiting`, with the reason, no verdict and no retry of its own. The reconciler's
 * advanceWaiting queues it again once its catalog can be read. Fenced like every worker write; the
 * run is nobody's again (worker_role), so any worker's advanceWaiting may queue it.
 */
export async function releaseRun(claim: { runId: string; fence: number }, reason: string): Promise<boolean> {
  const n = await db().$executeRaw`
    UPDATE run SET status = 'waiting', reason = ${reason}, host_id = NULL, host_fingerprint = NULL, started_at = NULL, worker_role = NULL
    WHERE id = ${claim.runId}::uuid AND fence = ${claim.fence} AND status = 'running'`;
  return n === 1;
}
