import { laneByName, type HostClass, type RunStatus } from "@proofboard/domain";
import { db, Prisma, type Run } from "@proofboard/db";
import { enqueueRun } from "@proofboard/jobs";
import { catalogAt } from "./catalogs";
import { NotFoundError } from "./errors";
import { repositoryByName } from "./repositories";

export interface RunRequest {
  repository?: string;
  branch: string;
  lane: string;
  requestedBy?: string;
  /** keep the lane's VMs up this long after it ends, for the holder to debug */
  hold?: { seconds: number; userId: string };
}

/**
 * Queues a run of a lane on a branch's head commit: the Postgres row first, then the BullMQ
 * job whose id is the run id. A run whose enqueue fails stays queued; the reconciler puts it back.
 */
export async function requestRun(req: RunRequest): Promise<Run> {
  const repo = await repositoryByName(req.repository);
  const branch = await db().branch.findUnique({
    where: { repositoryId_name: { repositoryId: repo.id, name: req.branch } },
  });
  if (!branch || branch.deletedAt) throw new NotFoundError("branch", req.branch);
  const { catalog, source } = await catalogAt(repo, branch.headSha);
  const lane = laneByName(catalog, req.lane);
  if (!lane) throw new NotFoundError("lane", req.lane);

  // A run of this lane already waiting on this commit is what a second click meant; holds differ, so they don't merge.
  if (!req.hold) {
    const waiting = await db().run.findFirst({
      where: { repositoryId: repo.id, commitSha: branch.headSha, lane: lane.name, status: "queued", holdSeconds: null },
      orderBy: { attempt: "desc" },
    });
    if (waiting) return waiting;
  }

  const run = await createWithNextAttempt(async (tx) => {
    const previous = await tx.run.findFirst({
      where: { repositoryId: repo.id, commitSha: branch.headSha, lane: lane.name },
      orderBy: { attempt: "desc" },
      select: { id: true, attempt: true },
    });
    return tx.run.create({
      data: {
        repositoryId: repo.id,
        commitSha: branch.headSha,
        branchName: branch.name,
        lane: lane.name,
        attempt: (previous?.attempt ?? 0) + 1,
        previousRunId: previous?.id ?? null,
        argv: lane.command,
        timeoutSeconds: lane.timeoutSeconds,
        hostClass: lane.host,
        catalogSource: source,
        requestedBy: req.requestedBy ?? null,
        holdSeconds: req.hold?.seconds ?? null,
        heldById: req.hold?.userId ?? null,
      },
    });
  });
  await enqueueRun(run.id, lane.host);
  return run;
}

/** Two requests racing for the same attempt number: the loser takes the next one. */
async function createWithNextAttempt(create: (tx: Prisma.TransactionClient) => Promise<Run>): Promise<Run> {
  for (let i = 0; ; i++) {
    try {
      return await db().$transaction(create);
    } catch (err) {
      const unique = err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
      if (!unique || i >= 5) throw err;
    }
  }
}

/** Who queued a run by itself after an infrastructure fault; such a run is not retried again. */
export const AUTOMATIC_RETRY = "automatic retry";

/**
 * Only infrastructure faults retry by themselves (DESIGN.md): once, on the same commit with
 * the same argv, as a new attempt linked to the one that was lost.
 */
export async function retryAfterInfrastructureFault(failed: Run): Promise<Run | null> {
  if (failed.failureKind !== "infrastructure" || failed.requestedBy === AUTOMATIC_RETRY) return null;
  const newer = await db().run.findFirst({
    where: { repositoryId: failed.repositoryId, commitSha: failed.commitSha, lane: failed.lane, attempt: { gt: failed.attempt } },
    select: { id: true },
  });
  if (newer) return null; // somebody already reran it
  const run = await createWithNextAttempt(async (tx) => {
    const previous = await tx.run.findFirst({
      where: { repositoryId: failed.repositoryId, commitSha: failed.commitSha, lane: failed.lane },
      orderBy: { attempt: "desc" },
      select: { attempt: true },
    });
    return tx.run.create({
      data: {
        repositoryId: failed.repositoryId,
        commitSha: failed.commitSha,
        branchName: failed.branchName,
        lane: failed.lane,
        attempt: (previous?.attempt ?? 0) + 1,
        previousRunId: failed.id,
        argv: failed.argv,
        timeoutSeconds: failed.timeoutSeconds,
        hostClass: failed.hostClass,
        catalogSource: failed.catalogSource,
        requestedBy: AUTOMATIC_RETRY,
      },
    });
  });
  await enqueueRun(run.id, hostClassOf(run));
  return run;
}

export async function runById(id: string): Promise<Run> {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const run = uuid.test(id) ? await db().run.findUnique({ where: { id } }) : null;
  if (!run) throw new NotFoundError("run", id);
  return run;
}

export interface RunFilter {
  repositoryId: string;
  branch?: string;
  lane?: string;
  status?: RunStatus;
  limit?: number;
}

export async function listRuns(f: RunFilter): Promise<Run[]> {
  return db().run.findMany({
    where: { repositoryId: f.repositoryId, branchName: f.branch, lane: f.lane, status: f.status },
    orderBy: { queuedAt: "desc" },
    take: Math.min(f.limit ?? 50, 500),
  });
}

export function hostClassOf(run: Pick<Run, "hostClass">): HostClass {
  return run.hostClass as HostClass;
}
