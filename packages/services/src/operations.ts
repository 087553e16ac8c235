import { Prisma, db, type Run } from "@proofboard/db";
import type { LaneOperation } from "@proofboard/domain";
import { createRedis, publishRunControl, type RunControlMessage } from "@proofboard/jobs";
import { catalogAt } from "./catalogs";
import { ConflictError } from "./errors";
import { ensureConsolePartition } from "./fenced";
import type { Holder } from "./holds";
import { operationArgv, operationConsoleName } from "./operation-argv";
import { runById } from "./runs";
import { nudgeWorker } from "./worker-nudge";

/**
 * Operations on a held cluster (testing.md's status, logs NODE, ssh NODE, stop, clean): commands
 * the run's lane (or its profile) declares, which the holder runs on the run's worker, in the run's
 * worktree and environment, inside a pseudo-terminal; each one's bytes are a console of the run.
 * Only the holder (or an admin) may run, type into, resize or stop them; everyone else reads.
 */

/** More at once is more likely a stuck browser than a person. */
const MAX_RUNNING = 4;

export interface OperationView {
  id: string;
  name: string;
  title: string;
  node: string | null;
  argv: string[];
  console: string;
  requestedBy: string;
  requestedAt: string;
  startedAt: string | null;
  endedAt: string | null;
  exitCode: number | null;
  error: string | null;
  /** requested or running: not ended yet */
  live: boolean;
}

/** A requested operation, with a note when Redis could not tell the worker at once (it still starts). */
export type RequestedOperation = OperationView & { note: string | null };

export interface RunOperations {
  held: boolean;
  heldBy: string | null;
  /** whether the viewer may run them (the holder, or an admin, while held) */
  youMayRun: boolean;
  /** what the run's lane declares at its commit */
  available: LaneOperation[];
  /** the VMs a per-node operation can name */
  nodes: string[];
  operations: OperationView[];
}

const isHeld = (run: Run) => run.holdUntil !== null && run.holdUntil.getTime() > Date.now();
const mayRun = (run: Run, who: Holder | null) =>
  !!who && (who.id === run.heldById || who.role === "admin") && who.role !== "viewer";

async function holderName(run: Run): Promise<string> {
  if (!run.heldById) return "the holder";
  return (await db().user.findUnique({ where: { id: run.heldById }, select: { name: true } }))?.name ?? "the holder";
}

/** What the run's worker runs it with: the lane as snapshotted when the run was requested, else the commit's. */
async function laneOperations(run: Run): Promise<LaneOperation[]> {
  const spec = run.laneSpec as { operations?: LaneOperation[] } | null;
  if (spec) return spec.operations ?? [];
  const repo = await db().repository.findUniqueOrThrow({ where: { id: run.repositoryId } });
  const catalog = await catalogAt(repo, run.commitSha).catch(() => null);
  return catalog?.catalog.lanes.find((l) => l.name === run.lane)?.operations ?? [];
}

/** Every console but the harness and the operations' own is a VM's. */
async function vmNames(runId: string): Promise<string[]> {
  const rows = await db().console.findMany({
    where: { runId, kind: { notIn: ["harness", "operation"] } },
    select: { name: true },
    orderBy: { name: "asc" },
  });
  return rows.map((r) => r.name);
}

const include = { requestedBy: { select: { name: true } }, console: { select: { name: true } } } as const;
type OperationRow = Prisma.OperationGetPayload<{ include: typeof include }>;

function view(o: OperationRow, available: LaneOperation[]): OperationView {
  return {
    id: o.id,
    name: o.name,
    title: available.find((a) => a.name === o.name)?.title ?? o.name,
    node: o.node,
    argv: o.argv,
    console: o.console.name,
    requestedBy: o.requestedBy.name,
    requestedAt: o.requestedAt.toISOString(),
    startedAt: o.startedAt?.toISOString() ?? null,
    endedAt: o.endedAt?.toISOString() ?? null,
    exitCode: o.exitCode,
    error: o.error,
    live: o.endedAt === null,
  };
}

async function publish(msg: RunControlMessage): Promise<void> {
  const redis = createRedis();
  try {
    await publishRunControl(redis, msg);
  } finally {
    redis.disconnect();
  }
}

export async function listOperations(runId: string, viewer: Holder | null): Promise<RunOperations> {
  const run = await runById(runId);
  const [available, nodes, rows] = await Promise.all([
    laneOperations(run),
    vmNames(run.id),
    db().operation.findMany({ where: { runId: run.id }, include, orderBy: { requestedAt: "asc" } }),
  ]);
  const held = isHeld(run);
  return {
    held,
    heldBy: run.heldById ? await holderName(run) : null,
    youMayRun: held && mayRun(run, viewer),
    available,
    nodes,
    // A worker that died with the run never recorded its operations' ends: they ended with it.
    operations: rows
      .map((r) => view(r, available))
      .map((o) =>
        o.live && !held && run.status !== "running"
          ? { ...o, live: false, error: "ended with its run (its worker stopped)" }
          : o,
      ),
  };
}

/** The run, held, and `by` its holder or an admin; else why not, in words a person can act on. */
async function heldFor(runId: string, by: Holder): Promise<Run> {
  const run = await runById(runId);
  if (!isHeld(run))
    throw new ConflictError("operations run only on a held cluster, and this run's VMs are not held (any more)");
  if (!mayRun(run, by))
    throw new ConflictError(`only ${await holderName(run)} may run operations on this held cluster`);
  return run;
}

export interface OperationRequest {
  name: string;
  node?: string | null;
  /** the size of the terminal it will be shown in */
  cols: number;
  rows: number;
}

/** Records an operation (its console first, so its bytes have a home) and asks the run's worker to start it. */
export async function requestOperation(runId: string, by: Holder, req: OperationRequest): Promise<RequestedOperation> {
  const run = await heldFor(runId, by);
  const available = await laneOperations(run);
  const op = available.find((o) => o.name === req.name);
  if (!op) {
    const names = available.map((o) => o.name).join(", ");
    throw new ConflictError(
      `lane ${run.lane} has no operation ${JSON.stringify(req.name)} at ${run.commitSha.slice(0, 10)}${names ? ` (it has: ${names})` : ""}`,
    );
  }
  const node = req.node ?? null;
  const nodes = await vmNames(run.id);
  if (op.perNode && !node)
    throw new ConflictError(`${op.name} runs on one VM: name one of ${nodes.join(", ") || "(none)"}`);
  if (op.perNode && !nodes.includes(node!))
    throw new ConflictError(`${JSON.stringify(node)} is not a VM of this run (its VMs: ${nodes.join(", ") || "none"})`);
  if (!op.perNode && node) throw new ConflictError(`${op.name} acts on the whole cluster, not on one VM`);
  const argv = operationArgv(op, node);
  const live = await db().operation.count({ where: { runId: run.id, endedAt: null } });
  if (live >= MAX_RUNNING)
    throw new ConflictError(`${live} operations are already running on this cluster: stop one first`);

  for (let attempt = 0; ; attempt++) {
    const seq = 1 + (await db().operation.count({ where: { runId: run.id } }));
    const consoleName = operationConsoleName(seq, op.name, node);
    try {
      const row = await db().$transaction(async (tx) => {
        const c = await tx.console.create({
          data: {
            runId: run.id,
            name: consoleName,
            kind: "operation",
            expectedFrom: `operation ${op.name} run by ${by.name}`,
          },
        });
        return tx.operation.create({
          data: {
            runId: run.id,
            name: op.name,
            node,
            argv,
            consoleId: c.id,
            requestedById: by.id,
            cols: req.cols,
            rows: req.rows,
          },
          include,
        });
      });
      await ensureConsolePartition(row.consoleId);
      const note = await nudgeWorker(
        { type: "operation-start", runId: run.id, operationId: row.id },
        "the worker starts it at its next heartbeat",
      );
      return { ...view(row, available), note };
    } catch (err) {
      // Two requests at once took the same number: the next one is free.
      if (attempt < 3 && err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") continue;
      throw err;
    }
  }
}

async function liveOperation(runId: string, by: Holder, operationId: string) {
  const run = await heldFor(runId, by);
  const op = await db().operation.findFirst({ where: { id: operationId, runId: run.id } });
  if (!op) throw new ConflictError(`no operation ${JSON.stringify(operationId)} on this run`);
  if (op.endedAt) throw new ConflictError(`operation ${op.name} has ended`);
  return { run, op };
}

/** The terminal showing it changed size: the pseudo-terminal follows. */
export async function resizeOperation(
  runId: string,
  by: Holder,
  operationId: string,
  cols: number,
  rows: number,
): Promise<void> {
  const { run, op } = await liveOperation(runId, by, operationId);
  // Kept, so a start that was still to come uses the newest size.
  await db().operation.update({ where: { id: op.id }, data: { cols, rows } });
  await publish({ type: "operation-resize", runId: run.id, operationId: op.id, cols, rows });
}

/** Hangs up an operation's terminal (then kills what is left); one not started yet never starts. */
export async function stopOperation(runId: string, by: Holder, operationId: string): Promise<void> {
  const { run, op } = await liveOperation(runId, by, operationId);
  const unstarted = await db().operation.updateMany({
    where: { id: op.id, startedAt: null, endedAt: null },
    data: { endedAt: new Date(), error: `stopped by ${by.name} before it started` },
  });
  const msg = { type: "operation-stop", runId: run.id, operationId: op.id } as const;
  // One that never started is stopped by that write alone; a running one needs its worker told now.
  if (unstarted.count) await nudgeWorker(msg, "it had not started");
  else await publish(msg);
}

// ---- the worker's side: fenced by its claim on the run, like every other worker write ----

type Fence = { runId: string; fence: number };

export interface ClaimedOperation {
  id: string;
  name: string;
  node: string | null;
  argv: string[];
  console: string;
  cols: number;
  rows: number;
}

/** Marks an operation started; null when it is not this attempt's to start (already started, stopped, ended). */
export async function claimOperation(claim: Fence, operationId: string): Promise<ClaimedOperation | null> {
  const rows = await db().$queryRaw<ClaimedOperation[]>`
    UPDATE operation o SET started_at = now()
    FROM run r, console c
    WHERE o.id = ${operationId}::uuid AND o.run_id = ${claim.runId}::uuid AND r.id = o.run_id AND r.fence = ${claim.fence}
      AND c.id = o.console_id AND o.started_at IS NULL AND o.ended_at IS NULL
    RETURNING o.id::text AS id, o.name, o.node, o.argv, c.name AS console, o.cols, o.rows`;
  return rows[0] ?? null;
}

export async function endOperation(
  claim: Fence,
  operationId: string,
  end: { exitCode: number | null; error: string | null },
): Promise<void> {
  await db().$executeRaw`
    UPDATE operation SET ended_at = now(), exit_code = ${end.exitCode}, error = ${end.error}
    WHERE id = ${operationId}::uuid AND ended_at IS NULL
      AND EXISTS (SELECT 1 FROM run WHERE id = ${claim.runId}::uuid AND fence = ${claim.fence})`;
}

/** Operations asked for on these runs that no worker started: their start message may have been lost. */
export async function pendingOperations(runIds: readonly string[]): Promise<{ runId: string; id: string }[]> {
  if (runIds.length === 0) return [];
  return db().operation.findMany({
    where: { runId: { in: [...runIds] }, startedAt: null, endedAt: null },
    select: { runId: true, id: true },
  });
}

/** The hold ended: what was asked for and never started never will. */
export async function abandonOperations(claim: Fence, reason: string): Promise<void> {
  await db().$executeRaw`
    UPDATE operation SET ended_at = now(), error = ${reason}
    WHERE run_id = ${claim.runId}::uuid AND started_at IS NULL AND ended_at IS NULL
      AND EXISTS (SELECT 1 FROM run WHERE id = ${claim.runId}::uuid AND fence = ${claim.fence})`;
}
