import { isTerminal, type FailureKind, type RunStatus } from "@proofboard/domain";
import { db, executeStatement, queryRows, type Run } from "@proofboard/db";
import { expiryOf } from "./consoles";

/**
 * Writes a worker makes for a run. Each carries the fence it got when it claimed the run;
 * Postgres refuses a write whose fence is stale, so a run retaken elsewhere cannot be
 * overwritten by the attempt that lost it.
 */

export interface Claim {
  run: Run;
  fence: number;
}

/**
 * Takes a queued run; null when it is not queued any more (already taken, canceled, done). The run
 * becomes this database role's: row-level security lets only that role change it and its consoles.
 */
export async function claimRun(runId: string, hostId: string, fingerprint: object): Promise<Claim | null> {
  const rows = await db().$queryRaw<{ fence: number }[]>`
    UPDATE run SET status = 'running', fence = fence + 1, host_id = ${hostId}, worker_role = current_user,
      host_fingerprint = ${JSON.stringify(fingerprint)}::jsonb, started_at = now()
    WHERE id = ${runId}::uuid AND status = 'queued'
    RETURNING fence`;
  const fence = rows[0]?.fence;
  if (fence === undefined) return null;
  const run = await db().run.findUniqueOrThrow({ where: { id: runId } });
  return { run, fence };
}

/** declared: the lane said it would print this console, and nothing has yet */
export type ConsoleKind = "harness" | "vm" | "driver" | "file" | "declared" | "operation";

/** `expectedFrom` says why the console should exist, so one that stays empty can say what was expected. */
export async function openConsole(
  runId: string,
  name: string,
  kind: ConsoleKind = "harness",
  expectedFrom: string | null = null,
): Promise<string> {
  const c = await db().console.upsert({
    where: { runId_name: { runId, name } },
    create: { runId, name, kind, expectedFrom },
    update: {},
    select: { id: true },
  });
  await ensureConsolePartition(c.id);
  return c.id;
}

/**
 * Makes the weekly partition a console's chunks go to, if it is not there yet: on its own, never
 * inside a transaction that wrote to `console` (see migration 20261213100000_console_storage).
 */
export async function ensureConsolePartition(consoleId: string): Promise<void> {
  await queryRows(`SELECT console_chunk_partition($1::date)`, [await expiryOf(consoleId)]);
}

/** PostgreSQL's answer to a row whose partition does not exist (yet). */
const isMissingPartition = (err: unknown) =>
  (err as { code?: string }).code === "23514" && /no partition of relation/.test((err as Error).message);

export class FencedOut extends Error {
  constructor(runId: string) {
    super(
      `run ${runId}: write refused (this attempt no longer owns the run, or the bytes do not start at the console's end)`,
    );
  }
}

/** Appends bytes at exactly `offset`; refused when the fence is stale or the offset is not the console's end. */
export async function appendChunk(
  claim: { runId: string; fence: number },
  consoleId: string,
  offset: number,
  data: Buffer,
  at: Date = new Date(),
  /** newlines in the console before `offset` (see console_chunk.newlines_before); null when unknown */
  newlinesBefore: number | null = null,
): Promise<void> {
  // The pg driver, not Prisma: a 256 KiB bytea took ~20 ms through Prisma's raw path, ~2 ms here.
  // The time goes in as UTC text, read as UTC whatever the session's time zone.
  const append = () =>
    executeStatement(
      `WITH owner AS (
      SELECT 1 FROM run WHERE id = $1::uuid AND fence = $2
        AND (status = 'running' OR hold_until > now())
    ), grown AS (
      UPDATE console SET length = length + $3::int
      WHERE id = $4 AND length = $5::bigint AND EXISTS (SELECT 1 FROM owner)
      RETURNING id, expires_on
    )
    INSERT INTO console_chunk (console_id, expires_on, "offset", length, data, created_at, newlines_before)
    SELECT id, expires_on, $5::bigint, $3::int, $6::bytea, ($7::timestamptz AT TIME ZONE 'UTC'), $8::bigint FROM grown`,
      [claim.runId, claim.fence, data.length, consoleId, offset, data, at.toISOString(), newlinesBefore],
    );
  // A console made without openConsole (an operation's, a test's) may reach its first append first.
  const inserted = await append().catch(async (err: unknown) => {
    if (!isMissingPartition(err)) throw err;
    await ensureConsolePartition(consoleId);
    return append();
  });
  if (inserted !== 1) throw new FencedOut(claim.runId);
}

/**
 * Whether a chunk is stored exactly there: an append whose answer was lost with the connection may
 * have landed, and is then not made again.
 */
export async function chunkStored(consoleId: string, offset: number, length: number): Promise<boolean> {
  const rows = await queryRows(
    `SELECT length FROM console_chunk WHERE console_id = $1 AND "offset" = $2 AND expires_on = $3::date`,
    [consoleId, offset, await expiryOf(consoleId)],
  );
  return rows[0]?.[0] === length;
}

export interface Outcome {
  status: Exclude<RunStatus, "queued" | "running">;
  failureKind: FailureKind | null;
  exitCode: number | null;
  reason: string | null;
}

/**
 * Ends the run; false when the fence is stale or the run already ended (e.g. canceled). An unheld
 * run's lane ends with it; a held one's ended when its hold started (holds.ts startHold).
 */
export async function finishRun(claim: { runId: string; fence: number }, outcome: Outcome): Promise<boolean> {
  if (!isTerminal(outcome.status)) throw new Error(`not a final status: ${outcome.status}`);
  const n = await db().$executeRaw`
    UPDATE run SET status = ${outcome.status}::run_status,
      failure_kind = ${outcome.failureKind}::failure_kind, exit_code = ${outcome.exitCode},
      reason = ${outcome.reason}, finished_at = now(), lane_ended_at = coalesce(lane_ended_at, now())
    WHERE id = ${claim.runId}::uuid AND fence = ${claim.fence} AND status = 'running'`;
  await db().console.updateMany({ where: { runId: claim.runId }, data: { closed: true } });
  return n === 1;
}
