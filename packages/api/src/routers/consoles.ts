import { z } from "zod";
import { SEARCH_QUERY_MAX, searchQueryProblem } from "@proofboard/domain";
import { diffConsoleWithLastGood, searchRunConsoles } from "@proofboard/services";
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

  /** One console against the same console of the lane's last good run, normalised: the first differing lines. */
  diff: readProcedure
    .input(z.object({ runId, console: consoleName }))
    .query(({ input }) => diffConsoleWithLastGood(input.runId, input.console)),
});
