import { z } from "zod";
import {
  branchByName,
  catalogAt,
  NotFoundError,
  readinessTimeline,
  repositoryByName,
  type ReadinessChange,
} from "@proofboard/services";
import { nameInput } from "../names";
import { readProcedure, router } from "../trpc";

/** A readiness change as the page and the CLI show it. */
export function readinessChangeDto(c: ReadinessChange) {
  return {
    id: c.id,
    branch: c.branch,
    gate: c.gate,
    ready: c.ready,
    commitSha: c.commitSha,
    commitSubject: c.commitSubject,
    runId: c.runId,
    missing: c.missing,
    initial: c.initial,
    at: c.at.toISOString(),
  };
}

export const readinessRouter = router({
  /**
   * When a branch (gate null) or one of its gates turned READY or NOT READY, newest first, as the
   * recorder wrote it (packages/services/src/readiness-changes.ts). `gate`: a gate's id, or null for
   * the branch's own rows; `before`: an id from a previous page.
   */
  timeline: readProcedure
    .input(
      z.object({
        repository: nameInput(200).optional(),
        branch: nameInput(255),
        gate: nameInput(200).nullable().optional(),
        limit: z.number().int().min(1).max(200).optional(),
        before: z
          .string()
          .regex(/^\d{1,19}$/)
          .optional(),
      }),
    )
    .query(async ({ input }) => {
      const repo = await repositoryByName(input.repository);
      const branch = await branchByName(repo, input.branch);
      const { changes, more } = await readinessTimeline(repo, input.branch, {
        gate: input.gate,
        limit: input.limit,
        before: input.before,
      });
      // A gate with no recorded change that the head's catalog does not have either is a typo, not
      // "no changes yet". A gate the catalog dropped keeps its recorded changes.
      if (input.gate && !input.before && changes.length === 0) {
        const gates = await catalogAt(repo, branch.headSha).then(
          (c) => c.catalog.gates.map((g) => g.id),
          () => null, // the head's catalog cannot be read: no list to judge the name by
        );
        if (gates && !gates.includes(input.gate)) throw new NotFoundError("gate", input.gate);
      }
      return { repository: repo.name, branch: input.branch, changes: changes.map(readinessChangeDto), more };
    }),
});
