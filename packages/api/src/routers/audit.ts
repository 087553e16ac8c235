import { z } from "zod";
import { db } from "@proofboard/db";
import { askedByPerson } from "@proofboard/domain";
import { auditCursor, auditEventsForRun, listAuditEvents, parseAuditCursor } from "@proofboard/services";
import { runOrigin } from "../dto";
import { nameInput } from "../names";
import { adminProcedure, readProcedure, router } from "../trpc";

const runId = z.string().min(1).max(64);
const cursor = z
  .string()
  .max(100)
  .refine((s) => parseAuditCursor(s) !== null, { error: "not an audit cursor (<ISO time>~<id>) or ISO time" });

/**
 * The audit log. A run's own lines ("canceled by alice") are public like the run page; the full
 * log (addresses, inputs, refused attempts) is for admins.
 */
export const auditRouter = router({
  forRun: readProcedure.input(z.object({ runId })).query(async ({ input }) =>
    (await auditEventsForRun(input.runId)).map((e) => ({
      at: e.at.toISOString(),
      actor: e.actor,
      action: e.action,
      summary: e.summary,
    })),
  ),

  /**
   * Who or what started each of these runs: the branch page's "rerun by alice", "queued by push to
   * main", "automatic retry 1 of 3 …". `by` is a person's name only when `person` (manual, missing).
   */
  requesters: readProcedure.input(z.object({ runIds: z.array(runId).max(500) })).query(async ({ input }) => {
    const ids = input.runIds.filter((id) => z.uuid().safeParse(id).success);
    const runs = ids.length
      ? await db().run.findMany({
          where: { id: { in: ids } },
          select: { id: true, requestedBy: true, attempt: true, trigger: true, triggerDetail: true, branchName: true },
        })
      : [];
    return Object.fromEntries(
      runs.map((r) => [
        r.id,
        {
          by: r.requestedBy ?? "",
          attempt: r.attempt,
          trigger: r.trigger,
          person: askedByPerson(r.trigger),
          automatic: r.trigger === "retry",
          label: runOrigin(r),
        },
      ]),
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
        actor: nameInput(100).optional(),
        action: z.string().min(1).max(100).optional(),
        runId: runId.optional(),
      }),
    )
    .query(async ({ input }) => {
      const from = input.before ?? input.cursor;
      const rows = await listAuditEvents({
        ...input,
        before: from ? (parseAuditCursor(from) ?? undefined) : undefined,
      });
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
