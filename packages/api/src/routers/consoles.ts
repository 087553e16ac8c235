import { z } from "zod";
import { SEARCH_QUERY_MAX, searchQueryProblem } from "@proofboard/domain";
import { diffConsoleWithLastGood, readConsoleWindow, searchRunConsoles } from "@proofboard/services";
import { readProcedure, router } from "../trpc";

const runId = z.string().min(1).max(64);
/** The server's rule for console names (see runs.ts). */
const consoleName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "not a console name");

/** Literal text: length and control characters are checked here, so a bad query is a BAD_REQUEST that says why. */
const query = z
  .string()
  .max(SEARCH_QUERY_MAX * 2)
  .superRefine((q, ctx) => {
    const problem = searchQueryProblem(q);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export const consolesRouter = router({
  /** Every console of a run searched for a literal text on the stored bytes: counts per console and the first lines. */
  search: readProcedure
    .input(z.object({ runId, query }))
    .query(({ input }) => searchRunConsoles(input.runId, input.query)),

  /**
   * Part of a stored console, starting at the chunk that holds a byte offset or the start of a line,
   * with the newlines before it so the page numbers its lines: how a console too large to load whole
   * is read anywhere (its start, a permalink's line, a failure early in a 1 GiB log).
   */
  window: readProcedure
    .input(
      z.object({
        runId,
        console: consoleName,
        at: z.union([
          z.object({ offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }),
          z.object({ line: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
        ]),
        maxBytes: z
          .number()
          .int()
          .min(1)
          .max(8 << 20)
          .default(2 << 20),
      }),
    )
    .query(async ({ input }) => {
      const w = await readConsoleWindow(input.runId, input.console, input.at, input.maxBytes);
      return {
        offset: w.offset,
        newlinesBefore: w.newlinesBefore,
        length: w.length,
        data: w.data.toString("base64"),
        marks: w.marks,
      };
    }),

  /** One console against the same console of the lane's last good run, normalised: the first differing lines. */
  diff: readProcedure
    .input(z.object({ runId, console: consoleName }))
    .query(({ input }) => diffConsoleWithLastGood(input.runId, input.console)),
});
