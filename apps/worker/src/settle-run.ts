import type { Redis } from "ioredis";
import type { Metric } from "@proofboard/domain";
import { db, type Run } from "@proofboard/db";
import { announceStatus } from "@proofboard/jobs";
import {
  advanceWaiting,
  finishRun,
  recordMetrics,
  retryAfterInfrastructureFault,
  type Outcome,
} from "@proofboard/services";
import type { Kept, RunStorage } from "./durable";

export interface Settlement {
  storage: RunStorage;
  fence: { runId: string; fence: number };
  run: Pick<Run, "repositoryId" | "commitSha">;
  outcome: Outcome;
  metrics: Metric[];
  /** the verdict as the spool keeps it until PostgreSQL has it */
  verdictRecord: Kept;
  redis: Redis;
  /** the worker shuts down: writes still waiting for PostgreSQL are given up */
  stop: AbortSignal;
}

/** The run already ended as this attempt said: a finish whose answer was lost with the connection had landed. */
async function finishedAs(fence: { runId: string; fence: number }, status: Outcome["status"]): Promise<boolean> {
  const run = await db().run.findUnique({ where: { id: fence.runId }, select: { status: true, fence: true } });
  return run?.fence === fence.fence && run.status === status;
}

/**
 * Stores a finished run's figures and verdict, then tells watchers and whatever waited on it. Each
 * write waits out a PostgreSQL outage (made again until it lands), so a run whose database was away
 * as it ended still gets its result; the attempt's spool file goes at the end either way.
 * Returns whether this attempt's verdict is the run's.
 */
export async function settleRun(s: Settlement): Promise<boolean> {
  const { storage, fence, outcome } = s;
  storage.stopWhen(s.stop);
  try {
    // Stored before the verdict, so a finished run always has its figures.
    if (s.metrics.length)
      await storage.write("figures", () => recordMetrics(fence.runId, s.metrics)).catch(() => undefined);
    const finished = await storage.write(
      "verdict",
      async (again) => (await finishRun(fence, outcome)) || (again && (await finishedAs(fence, outcome.status))),
    );
    s.verdictRecord.release();
    if (!finished) return false;
    await announceStatus(s.redis, fence.runId, outcome.status, true);
    await storage
      .write("waiting runs", () => advanceWaiting(s.run.repositoryId, s.run.commitSha))
      .catch(() => undefined);
    if (outcome.failureKind === "infrastructure") {
      await storage.write("retry", async () =>
        retryAfterInfrastructureFault(await db().run.findUniqueOrThrow({ where: { id: fence.runId } })),
      );
    }
    return true;
  } finally {
    await storage.close();
  }
}
