import {
  infrastructureRetryReason,
  laneByName,
  lanesToRun,
  nextInfrastructureRetry,
  retryDetail,
  type HostClass,
  type Lane,
  type RunTrigger,
} from "@proofboard/domain";
import { env } from "@proofboard/env";
import { db, Prisma, type Run } from "@proofboard/db";
import { enqueueRun, isRedisUnavailable } from "@proofboard/jobs";
import { catalogAt } from "./catalogs";
import { ConflictError, NotFoundError } from "./errors";
import { logger } from "@proofboard/log";
import { branchView } from "./readiness";
import { repositoryByName } from "./repositories";

export interface RunRequest {
  repository?: string;
  branch: string;
  lane: string;
  requestedBy?: string;
  /** keep the lane's VMs up this long after it ends, for the holder to debug */
  hold?: { seconds: number; userId: string };
  /** who or what asked (packages/domain run-origin.ts): manual unless said; lanes it needs are "needed" */
  trigger?: Exclude<RunTrigger, "needed" | "retry">;
  /** a schedule's cron pattern, for its label */
  triggerDetail?: string;
}

/** What a request says when its runs are saved in Postgres but Redis could not take their jobs. */
export const REDIS_UNREACHABLE_NOTE = "Redis unreachable: saved in PostgreSQL, and dispatched when Redis is back";

export interface RequestedRuns {
  runs: Run[];
  /** REDIS_UNREACHABLE_NOTE when a job could not be enqueued (the reconciler enqueues it later), else null */
  note: string | null;
}

/** Queues a lane on a branch's head commit (with the lanes it needs first); returns the lane's run. */
export async function requestRun(req: RunRequest): Promise<Run> {
  return (await requestRunWithNote(req)).run;
}

/** requestRun, plus the note a person should see (a rerun while Redis is down). */
export async function requestRunWithNote(req: RunRequest): Promise<{ run: Run; note: string | null }> {
  const { runs, note } = await requestLanesWithNote({ ...req, lanes: [req.lane] });
  const run = runs.find((r) => r.lane === req.lane);
  if (!run) throw new NotFoundError("lane", req.lane);
  return { run, note };
}

/** requestLanesWithNote without the note: pushes and schedules have nobody to tell. */
export async function requestLanes(req: Omit<RunRequest, "lane"> & { lanes: string[] }): Promise<Run[]> {
  return (await requestLanesWithNote(req)).runs;
}

/**
 * Queues lanes on a branch's head commit: the Postgres row first, then the BullMQ job whose id
 * is the run id. Lanes they need that have not passed (and are not under way) on the head are
 * queued too, first; a lane whose needs have not passed yet waits in Postgres until they do
 * (fail first: a hours-long KVM suite never starts behind a failed eval guard). A lane already
 * queued or waiting on the commit is not queued twice: that is what a second click meant.
 */
export async function requestLanesWithNote(
  req: Omit<RunRequest, "lane"> & { lanes: string[] },
): Promise<RequestedRuns> {
  const repo = await repositoryByName(req.repository);
  const branch = await db().branch.findUnique({
    where: { repositoryId_name: { repositoryId: repo.id, name: req.branch } },
  });
  if (!branch || branch.deletedAt) throw new NotFoundError("branch", req.branch);
  // Throws the catalog's own error (file, path, line) when the head's catalog is invalid.
  const { catalog, source } = await catalogAt(repo, branch.headSha);
  const view = await branchView(repo, branch);
  if (!view.readiness) throw new Error(`no readiness for ${branch.name}`);
  for (const name of req.lanes) if (!laneByName(catalog, name)) throw new NotFoundError("lane", name);
  const passed = new Set(
    Object.values(view.readiness.lanes)
      .filter((l) => l.state === "passed")
      .map((l) => l.lane),
  );

  const runs: Run[] = [];
  let note: string | null = null;
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
          where: {
            repositoryId: repo.id,
            commitSha: branch.headSha,
            lane: name,
            status: { in: ["queued", "waiting"] },
            holdSeconds: null,
          },
          orderBy: { attempt: "desc" },
        });
        if (pending) return { run: pending, created: false };
      }
      // Pushes, syncs and schedules queue once per lane and commit by themselves; a full queue must not fail a sync.
      if (req.trigger !== "push" && req.trigger !== "sync" && req.trigger !== "schedule")
        await refuseOverQueueCap(tx, repo.id, branch.name);
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
          consoleRetentionDays: consoleRetentionDays(lane),
          requestedBy: req.requestedBy ?? null,
          trigger: requested ? (req.trigger ?? "manual") : "needed",
          triggerDetail: requested ? (req.triggerDetail ?? null) : null,
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
    // Postgres has the run: once Redis failed, the rest wait for the reconciler instead of timing out one by one.
    if (status === "queued" && note === null && !(await dispatchRun(run, lane.host))) note = REDIS_UNREACHABLE_NOTE;
    runs.push(run);
  }
  return { runs, note };
}

/**
 * A branch's queue is bounded, so a script (or a hostile client) cannot bury the hosts in runs.
 * Counted inside the lane's lock, so two requests racing on different lanes may pass it by one each.
 */
async function refuseOverQueueCap(
  tx: Prisma.TransactionClient,
  repositoryId: string,
  branchName: string,
): Promise<void> {
  const cap = env().PROOFBOARD_MAX_QUEUED_PER_BRANCH;
  const pending = await tx.run.count({ where: { repositoryId, branchName, status: { in: ["queued", "waiting"] } } });
  if (pending >= cap) {
    throw new ConflictError(
      `${branchName} already has ${pending} runs queued or waiting; the limit is ${cap} per branch (PROOFBOARD_MAX_QUEUED_PER_BRANCH): wait for some to start or cancel them`,
    );
  }
}

/** Enqueues a saved run; false when Redis is unreachable (the reconciler enqueues queued runs it lacks). */
async function dispatchRun(run: Run, hostClass: HostClass): Promise<boolean> {
  try {
    await enqueueRun(run.id, hostClass);
    return true;
  } catch (err) {
    if (!isRedisUnavailable(err)) throw err;
    logger("runs").warn("run saved, not dispatched: Redis unreachable", {
      runId: run.id,
      attempt: run.attempt,
      lane: run.lane,
      err,
    });
    return false;
  }
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

/** Who queued a run by itself after an infrastructure fault; a few of those in a row, then no more. */
export const AUTOMATIC_RETRY = "automatic retry";

/**
 * Only infrastructure faults retry by themselves (DESIGN.md): on the same commit with the same
 * argv, as a new attempt linked to the one that was lost; at most PROOFBOARD_INFRA_RETRIES in a
 * row, the first at once (a lost run must be retried on a live worker within seconds), the next
 * ones backed off (a BullMQ delay), each saying which retry it is and when it starts.
 */
export async function retryAfterInfrastructureFault(failed: Run): Promise<Run | null> {
  if (failed.failureKind !== "infrastructure") return null;
  const plan = nextInfrastructureRetry(
    await automaticRetriesInARow(failed, env().PROOFBOARD_INFRA_RETRIES),
    env().PROOFBOARD_INFRA_RETRIES,
  );
  if (!plan) return null;
  const newer = await db().run.findFirst({
    where: {
      repositoryId: failed.repositoryId,
      commitSha: failed.commitSha,
      lane: failed.lane,
      attempt: { gt: failed.attempt },
    },
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
        consoleRetentionDays: failed.consoleRetentionDays,
        requestedBy: AUTOMATIC_RETRY,
        trigger: "retry",
        triggerDetail: retryDetail(plan.number, plan.of),
        reason: infrastructureRetryReason(plan),
      },
    });
  });
  await enqueueRun(run.id, hostClassOf(run), { delayMs: plan.delaySeconds * 1000 });
  return run;
}

/** Automatic retries in a row ending with `run` (itself included), following previous_run_id; counts at most `limit`. */
async function automaticRetriesInARow(run: Pick<Run, "trigger" | "previousRunId">, limit: number): Promise<number> {
  let count = 0;
  let current: Pick<Run, "trigger" | "previousRunId"> | null = run;
  while (current?.trigger === "retry" && count < limit) {
    count++;
    current = current.previousRunId
      ? await db().run.findUnique({
          where: { id: current.previousRunId },
          select: { trigger: true, previousRunId: true },
        })
      : null;
  }
  return count;
}

export async function runById(id: string): Promise<Run> {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const run = uuid.test(id) ? await db().run.findUnique({ where: { id } }) : null;
  if (!run) throw new NotFoundError("run", id);
  return run;
}

export function hostClassOf(run: Pick<Run, "hostClass">): HostClass {
  return run.hostClass as HostClass;
}

/** Days a run's console bytes are kept: the lane's own word, else the site's default (0: for ever). */
export function consoleRetentionDays(lane: Pick<Lane, "consoleRetentionDays">): number | null {
  if (lane.consoleRetentionDays === "forever") return null;
  return lane.consoleRetentionDays ?? (env().PROOFBOARD_CONSOLE_RETENTION_DAYS || null);
}
