import { laneByName, lanesToRun, type HostClass, type RunStatus } from "@proofboard/domain";
import { db, Prisma, type Run } from "@proofboard/db";
import { enqueueRun } from "@proofboard/jobs";
import { catalogAt } from "./catalogs";
import { NotFoundError } from "./errors";
import { branchView } from "./readiness";
import { repositoryByName } from "./repositories";

export interface RunRequest {
  repository?: string;
  branch: string;
  lane: string;
  requestedBy?: string;
  /** keep the lane's VMs up this long after it ends, for the holder to debug */
  hold?: { seconds: number; userId: string };
  /** why: manual, push, schedule */
  trigger?: string;
}

/** Queues a lane on a branch's head commit (with the lanes it needs first); returns the lane's run. */
export async function requestRun(req: RunRequest): Promise<Run> {
  const runs = await requestLanes({ ...req, lanes: [req.lane] });
  const run = runs.find((r) => r.lane === req.lane);
  if (!run) throw new NotFoundError("lane", req.lane);
  return run;
}

/**
 * Queues lanes on a branch's head commit: the Postgres row first, then the BullMQ job whose id
 * is the run id. Lanes they need that have not passed (and are not under way) on the head are
 * queued too, first; a lane whose needs have not passed yet waits in Postgres until they do
 * (fail first: a hours-long KVM suite never starts behind a failed eval guard). A lane already
 * queued or waiting on the commit is not queued twice: that is what a second click meant.
 */
export async function requestLanes(req: Omit<RunRequest, "lane"> & { lanes: string[] }): Promise<Run[]> {
  const repo = await repositoryByName(req.repository);
  const branch = await db().branch.findUnique({ where: { repositoryId_name: { repositoryId: repo.id, name: req.branch } } });
  if (!branch || branch.deletedAt) throw new NotFoundError("branch", req.branch);
  // Throws the catalog's own error (file, path, line) when the head's catalog is invalid.
  const { catalog, source } = await catalogAt(repo, branch.headSha);
  const view = await branchView(repo, branch);
  if (!view.readiness) throw new Error(`no readiness for ${branch.name}`);
  for (const name of req.lanes) if (!laneByName(catalog, name)) throw new NotFoundError("lane", name);
  const passed = new Set(Object.values(view.readiness.lanes).filter((l) => l.state === "passed").map((l) => l.lane));

  const runs: Run[] = [];
  for (const name of lanesToRun(view.readiness, catalog, req.lanes)) {
    const lane = laneByName(catalog, name)!;
    const requested = req.lanes.includes(name);
    const hold = requested ? req.hold : undefined;
    const status = lane.needs.every((n) => passed.has(n)) ? "queued" : "waiting";
    const { run, created } = await createWithNextAttempt(async (tx) => {
      // Serialises requests for this lane on this commit, so two racing clicks make one run.
      await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtext(${`${repo.id}:${branch.headSha}:${name}`}))`;
      if (!hold) {
        const pending = await tx.run.findFirst({
          where: { repositoryId: repo.id, commitSha: branch.headSha, lane: name, status: { in: ["queued", "waiting"] }, holdSeconds: null },
          orderBy: { attempt: "desc" },
        });
        if (pending) return { run: pending, created: false };
      }
      const previous = await tx.run.findFirst({
        where: { repositoryId: repo.id, commitSha: branch.headSha, lane: name },
        orderBy: { attempt: "desc" },
        select: { id: true, attempt: true },
      });
      const created = await tx.run.create({
        data: {
          repositoryId: repo.id,
          commitSha: branch.headSha,
          branchName: branch.name,
          lane: name,
          attempt: (previous?.attempt ?? 0) + 1,
          previousRunId: previous?.id ?? null,
          status,
          argv: lane.command,
          timeoutSeconds: lane.timeoutSeconds,
          hostClass: lane.host,
          catalogSource: source,
          // the whole lane, so the worker never depends on reading the catalog again (README: catalog)
          laneSpec: lane as unknown as Prisma.InputJsonValue,
          requestedBy: req.requestedBy ?? null,
          trigger: requested ? (req.trigger ?? "manual") : "needed",
          holdSeconds: hold?.seconds ?? null,
          heldById: hold?.userId ?? null,
        },
      });
      return { run: created, created: true };
    });
    if (!created) {
      runs.push(run);
      continue;
    }
    if (status === "queued") await enqueueRun(run.id, lane.host);
    runs.push(run);
  }
  return runs;
}

/** Two requests racing for the same attempt number: the loser takes the next one. */
async function createWithNextAttempt<T>(create: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
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
        laneSpec: failed.laneSpec ?? Prisma.DbNull,
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
