import { z } from "zod";
import { listOperations, requestOperation, resizeOperation, stopOperation } from "@proofboard/services";
import { operatorProcedure, readProcedure, router } from "../trpc";

const runId = z.string().min(1).max(64);
const operationId = z.uuid();
/** Catalog names (operations) and VM names: plain words, so nothing else reaches the services. */
const plainName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { error: "not an operation or VM name" });
const cols = z.number().int().min(2).max(500);
const rows = z.number().int().min(1).max(300);

/**
 * Operations on a held cluster: what the run's lane offers, what was run (by whom, how it ended),
 * and, for the holder (or an admin), starting, resizing and stopping them. Keystrokes go through
 * runs.input like a VM console's.
 */
export const operationsRouter = router({
  list: readProcedure.input(z.object({ runId })).query(({ input, ctx }) => listOperations(input.runId, ctx.user)),

  start: operatorProcedure
    .input(
      z.object({ runId, name: plainName, node: plainName.nullish(), cols: cols.default(120), rows: rows.default(32) }),
    )
    .mutation(({ input, ctx }) => requestOperation(input.runId, ctx.user, input)),

  /** The terminal showing the operation changed size. */
  resize: operatorProcedure.input(z.object({ runId, operationId, cols, rows })).mutation(async ({ input, ctx }) => {
    await resizeOperation(input.runId, ctx.user, input.operationId, input.cols, input.rows);
    return { ok: true };
  }),

  stop: operatorProcedure.input(z.object({ runId, operationId })).mutation(async ({ input, ctx }) => {
    await stopOperation(input.runId, ctx.user, input.operationId);
    return { ok: true };
  }),
});
