import { tracked, TRPCError } from "@trpc/server";
import { z } from "zod";
import { attemptKind, isTerminal, retryStartsIn, type HostClass } from "@proofboard/domain";
import { env } from "@proofboard/env";
import { runJobDueAt } from "@proofboard/jobs";
import {
  cancelRun,
  firstFailingConsole,
  listRuns,
  NotFoundError,
  repositoryByName,
  requestRunWithNote,
  runById,
  runIdsBetween,
  runSurroundings,
  waitingReason,
} from "@proofboard/services";
import { runDto, runListDto } from "../dto";
import { runListInput } from "../run-list-input";
import { nameInput } from "../names";
import { followInput, followWire } from "../follow-wire";
import { AMBIGUOUS_SHOWN, ambiguousMessage, parseRunPrefix, uuidRange } from "../run-prefix";
import { endHold, refuseForeignHold, requestMissingWithNote, sendInput } from "@proofboard/services";
import { operatorProcedure, readProcedure, router, toTRPCError } from "../trpc";

const runId = nameInput(64);
const branchName = nameInput(255);
const laneName = nameInput(200);
const consoleName = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export const runsRouter = router({
  /** Runs newest first, filtered (run-list-input.ts); `before` a run id pages on past it. */
  list: readProcedure.input(runListInput.optional()).query(async ({ input }) => {
    const { repository, status, ...filter } = input ?? {};
    const repo = await repositoryByName(repository);
    return (await listRuns({ repositoryId: repo.id, statuses: status, ...filter })).map(runListDto);
  }),

  get: readProcedure.input(z.object({ id: runId })).query(async ({ input, ctx }) => {
    const run = await runById(input.id);
    const { repo, host, commit, consoles, usualSeconds, lane, heldBy, next } = await runSurroundings(run);
    return {
      ...runDto(run),
      repository: repo.name,
      host: host ? { name: host.name, classes: host.classes } : null,
      hostFingerprint: run.hostFingerprint,
      commit: commit
        ? { subject: commit.subject, authorName: commit.authorName, committedAt: commit.committedAt.toISOString() }
        : null,
      consoles,
      /** the console a failed run's page opens on */
      firstFailing: run.status === "passed" || !isTerminal(run.status) ? null : firstFailingConsole(consoles),
      waiting: run.status === "queued" ? await queuedRunWaits(run.id, run.hostClass) : null,
      cancelRequestedAt: run.cancelRequestedAt?.toISOString() ?? null,
      usualSeconds: usualSeconds ?? lane?.expectedSeconds ?? null,
      laneTitle: lane?.title ?? run.lane,
      heldBy,
      youHold: !!ctx.user && ctx.user.id === run.heldById,
      /** the attempt after this one on the same commit: where a lost run's automatic retry is */
      nextAttempt: next ? { id: next.id, attempt: next.attempt, status: next.status, kind: attemptKind(next) } : null,
    };
  }),

  /** The full id of the one run whose id starts with a prefix (8+ hex digits): the CLI's RUN. */
  resolve: readProcedure.input(z.object({ prefix: z.string().min(1).max(400) })).query(async ({ input }) => {
    const parsed = parseRunPrefix(input.prefix);
    if (!parsed.ok) throw new TRPCError({ code: "BAD_REQUEST", message: parsed.message });
    // A range on the primary key, never a text match on the id: see run-prefix.ts.
    const { lo, hi } = uuidRange(parsed.hex);
    const ids = await runIdsBetween(lo, hi, AMBIGUOUS_SHOWN + 1);
    if (ids.length === 0) throw new NotFoundError("run", input.prefix);
    if (ids.length > 1) throw new TRPCError({ code: "BAD_REQUEST", message: ambiguousMessage(input.prefix, ids) });
    return { id: ids[0]! };
  }),

  /** Queues a new run of a lane on the branch's head commit. */
  rerun: operatorProcedure
    .input(
      z.object({
        repository: nameInput(200).optional(),
        branch: branchName,
        lane: laneName,
        /** keep the VMs up this many minutes after the lane ends; needs an operator */
        holdMinutes: z.number().int().min(1).max(240).optional(),
      }),
    )
    .mutation(async ({ input, ctx }) => {
      const { holdMinutes, ...req } = input;
      await repositoryByName(req.repository);
      const hold = holdMinutes !== undefined ? { seconds: holdMinutes * 60, userId: ctx.user.id } : undefined;
      const { run, note } = await requestRunWithNote({ ...req, requestedBy: ctx.actor, hold });
      // note: the run is saved but Redis is unreachable; it is dispatched when Redis is back
      return { ...runDto(run), note };
    }),

  /** Queues what a gate (or every release gate) still misses on the branch head, needs first. */
  rerunMissing: operatorProcedure
    .input(
      z.object({
        repository: nameInput(200).optional(),
        branch: branchName,
        gate: z.string().min(1).max(200).optional(),
      }),
    )
    .mutation(async ({ input, ctx }) => {
      const { runs, note } = await requestMissingWithNote({ ...input, requestedBy: ctx.actor });
      // note: the runs are saved but Redis is unreachable; they are dispatched when Redis is back
      return { runs: runs.map(runDto), note };
    }),

  /** Ends a hold now: every VM of the run is stopped. The holder (or an admin) only. */
  endHold: operatorProcedure.input(z.object({ id: runId })).mutation(async ({ input, ctx }) => {
    const { note } = await endHold(input.id, ctx.user);
    // note: the hold is ended in PostgreSQL but Redis is unreachable; the worker ends it at its heartbeat
    return { ...runDto(await runById(input.id)), note };
  }),

  /** Keystrokes for a held VM's serial console, from its holder only. */
  input: operatorProcedure
    .input(z.object({ id: runId, console: z.string().regex(consoleName), data: z.string().min(1).max(4096) }))
    .mutation(async ({ input, ctx }) => {
      await sendInput(input.id, ctx.user, input.console, Buffer.from(input.data, "utf8"));
      return { ok: true };
    }),

  /** Stops a run: queued ones at once, running ones through their worker (process group and VMs). */
  cancel: operatorProcedure.input(z.object({ id: runId })).mutation(async ({ input, ctx }) => {
    await refuseForeignHold(await runById(input.id), ctx.user, "cancel it");
    return runDto(await cancelRun(input.id, ctx.actor));
  }),

  /**
   * One live stream per run page, for all of its consoles. Each event's id holds the byte
   * offsets sent so far, so a reconnect resumes exactly where it stopped.
   */
  /**
   * The run page's live stream. Browsers reach it through a faster route at the same address
   * (`handleFollowStream`), which sends the same events; this is its definition and its in-process path.
   */
  follow: readProcedure.input(followInput).subscription(async function* ({ input, signal }) {
    // Thrown inside the stream, a not-found must already be a tRPC error or the client retries forever.
    const run = await runById(input.id).catch((err: unknown) => {
      throw toTRPCError(err);
    });
    for await (const { id, event } of followWire(run.id, input, signal)) yield tracked(id, event);
  }),
});

/** A backed-off automatic retry says when it starts; any other queued run, which host it waits for. */
async function queuedRunWaits(runId: string, hostClass: string): Promise<string> {
  const due = await runJobDueAt(runId, hostClass as HostClass).catch(() => null);
  return (
    (due && retryStartsIn(due, new Date())) ?? (await waitingReason(hostClass, env().PROOFBOARD_HOST_TIMEOUT_SECONDS))
  );
}
