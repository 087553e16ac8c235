import { z } from "zod";
import { parseStatusFilter, requesterFilter, RUN_STATUS_FILTERS, statusesOf } from "@proofboard/domain";
import { nameInput } from "./names";

/**
 * The runs list's filters, as a URL query or the CLI's flags give them: each one a string,
 * bounded, free of control characters (names.ts), so a hostile value is a BAD_REQUEST naming the
 * field, or a name that matches nothing; never a database error.
 */
export const runListInput = z.object({
  repository: nameInput(200).optional(),
  branch: nameInput(255).optional(),
  lane: nameInput(200).optional(),
  /** "failed" (the group: failed, timed_out, lost, error), "active", a status, or a comma list of them */
  status: z
    .string()
    .max(200)
    .transform((text, ctx) => {
      const words = parseStatusFilter(text);
      if (!words) {
        ctx.addIssue({
          code: "custom",
          message: `status must be one or more of ${RUN_STATUS_FILTERS.join(", ")}, comma-separated`,
        });
        return z.NEVER;
      }
      return statusesOf(words);
    })
    .optional(),
  /** who started it: a person's name, or a trigger kind (push, sync, schedule, retry, ...); "user:NAME" for a person named like one */
  requester: nameInput(200).transform(requesterFilter).optional(),
  /** the name of the host it ran on */
  host: nameInput(200).optional(),
  /** a run id from the page before: the runs after it */
  before: nameInput(64).optional(),
  limit: z.number().int().min(1).max(500).optional(),
});
