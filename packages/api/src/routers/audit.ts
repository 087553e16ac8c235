import { z } from "zod";
import { db } from "@proofboard/db";
import { AUTOMATIC_RETRY, auditCursor, auditEventsForRun, listAuditEvents, parseAuditCursor } from "@proofboard/services";
import { adminProcedure, readProcedure, router } from "../trpc";

const runId = z.string().min(1).max(64);
const cursor = z.string().max(100).refine((s) => parseAuditCursor(s) !== null, { error: "not an audit cursor (<ISO time>~<id>) or ISO time" });

/**
 * The audit log. A run's own lines ("canceled by alice") are public like the run page; the full
 * log (addresses, inputs, refused attempts) is for admins.
 */
export const auditRouter = router({
  forRun: readProcedure.input(z.object({ runId })).query(async ({ input }) =>
    (await auditEventsForRun(input.runId)).map((e) => ({ at: e.at.toISOString(), actor: e.actor, action: e.action, summary: e.summary })),
  ),

  /** Who asked for each of these runs (manual requests only): the branch page's "rerun by alice". */
  requesters: readProcedure.input(z.object({ runIds: z.array(runId).max(500) })).query(async ({ input }) => {
    const ids = input.runIds.filter((id) => z.uuid().safeParse(id).success);
    const runs = ids.length
      ? await db().run.findMany({ where: { id: { in: ids }, trigger: "manual" }, select: { id: true, requestedBy: true, attempt: true } })
      : [];
    return Object.fromEntries(
      runs.filter((r) => r.requestedBy).map((r) => [r.id, { by: r.requestedBy as string, attempt: r.attempt, automatic: r.requestedBy === AUTOMATIC_RETRY }]),
    );
  }),

  list: adminProcedure
    .input(
      z.object({
        /** the previous page's last `cursor` (or an ISO time): rows older than it */
        before: cursor.nullish(),
        /** the same, under the name tRPC's infinite queries use */
        cursor: cursor.nullish(),
        limit: z.number().int().min(1).max(500).default(100),
        actor: z.string().min(1).max(100).optional(),
        action: z.string().min(1).max(100).optional(),
        runId: runId.optional(),
      }),
    )
    .query(async ({ input }) => {
      const from = input.before ?? input.cursor;
      const rows = await listAuditEvents({ ...input, before: from ? (parseAuditCursor(from) ?? undefined) : undefined });
      return rows.map((e) => ({
        id: e.id,
        cursor: auditCursor(e),
        at: e.at.toISOString(),
        actor: e.actor,
        role: e.role,
        address: e.address,
        action: e.action,
        runId: e.runId,
        branch: e.branch,
        lane: e.lane,
        repository: e.repository,
        summary: e.summary,
        input: e.input,
        outcome: e.outcome,
      }));
    }),
});
