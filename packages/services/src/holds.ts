import { db, type Run } from "@proofboard/db";
import { createRedis, publishRunControl } from "@proofboard/jobs";
import { ConflictError, ForbiddenError } from "./errors";
import { runById } from "./runs";
import { nudgeWorker } from "./worker-nudge";

/**
 * Holding a run's VMs for debugging (the platform's ULTRACLOUD_QUICKSTART_KEEP_VM idea): after
 * the lane ends its VMs stay up until `holdUntil`, and only the person who held them may type
 * into their consoles. Everyone else stays read-only.
 */
export interface Holder {
  id: string;
  name: string;
  role: string;
}

function isHolding(run: Run): boolean {
  return run.holdUntil !== null && run.holdUntil.getTime() > Date.now();
}

async function heldRun(runId: string, by: Holder): Promise<Run> {
  const run = await runById(runId);
  if (!isHolding(run)) throw new ConflictError("this run's VMs are not held (any more)");
  await refuseForeignHold(run, by, "type into them or end the hold");
  return run;
}

/** A held run belongs to its holder: anyone else but an admin is refused, told who holds it. */
export async function refuseForeignHold(run: Run, by: Holder, what: string): Promise<void> {
  if (!run.heldById || run.heldById === by.id || by.role === "admin") return;
  const holder =
    (await db().user.findUnique({ where: { id: run.heldById }, select: { name: true } }))?.name ?? "someone else";
  throw new ForbiddenError(
    `${by.name} (${by.role}) may not ${what}: ${holder} holds this run's VMs; only ${holder} or an admin may`,
  );
}

/** Ends a hold now; its worker stops every VM of the run (a note says when, if Redis could not tell it at once). */
export async function endHold(runId: string, by: Holder): Promise<{ note: string | null }> {
  const run = await heldRun(runId, by);
  await db().run.updateMany({ where: { id: run.id, holdUntil: { gt: new Date() } }, data: { holdUntil: new Date() } });
  return {
    note: await nudgeWorker({ type: "hold-end", runId: run.id }, "the worker ends the hold at its next heartbeat"),
  };
}

/** Keystrokes for one VM console (or a running operation's) of a held run, from its holder only. */
export async function sendInput(runId: string, by: Holder, console: string, data: Buffer): Promise<void> {
  const run = await heldRun(runId, by);
  const c = await db().console.findUnique({
    where: { runId_name: { runId: run.id, name: console } },
    select: { kind: true, operation: { select: { endedAt: true } } },
  });
  const typable = c?.kind === "vm" || (c?.kind === "operation" && c.operation !== null && c.operation.endedAt === null);
  if (!typable) throw new ConflictError(`${console} is neither a VM console nor a running operation of this run`);
  const redis = createRedis();
  try {
    await publishRunControl(redis, { type: "input", runId: run.id, console, data: data.toString("base64") });
  } finally {
    redis.disconnect();
  }
}

/**
 * Fenced by the worker's claim: starts the hold window once the lane has ended, and records that
 * end (the first call's; the one closing the hold keeps it): the run's duration stops there, the
 * hold is counted apart (packages/domain/src/durations.ts).
 */
export async function startHold(claim: { runId: string; fence: number }, seconds: number): Promise<Date | null> {
  const until = new Date(Date.now() + seconds * 1000);
  const n = await db().$executeRaw`
    UPDATE run SET hold_until = ${until}, lane_ended_at = coalesce(lane_ended_at, now())
    WHERE id = ${claim.runId}::uuid AND fence = ${claim.fence}`;
  return n === 1 ? until : null;
}

/** When the hold of a run ends, as Postgres has it now (it may have been ended early). */
export async function holdUntil(runId: string): Promise<Date | null> {
  const run = await db().run.findUnique({ where: { id: runId }, select: { holdUntil: true } });
  return run?.holdUntil ?? null;
}
