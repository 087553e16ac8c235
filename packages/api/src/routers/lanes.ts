import { z } from "zod";
import { branchByName, catalogAt, defaultCatalog, repositoryByName } from "@proofboard/services";
import { readProcedure, router } from "../trpc";

export const lanesRouter = router({
  /** The catalog in force: at a branch's head when a branch is given, else the default. */
  list: readProcedure
    .input(
      z
        .object({ repository: z.string().max(200).optional(), branch: z.string().min(1).max(255).optional() })
        .optional(),
    )
    .query(async ({ input }) => {
      if (input?.branch) {
        const repo = await repositoryByName(input.repository);
        const branch = await branchByName(repo, input.branch);
        return catalogAt(repo, branch.headSha);
      }
      // Without a branch, what the target's main line carries is what people mean by "the catalog".
      const repo = input?.repository
        ? await repositoryByName(input.repository)
        : await repositoryByName(undefined).catch(() => null);
      for (const name of ["main", "master"]) {
        const branch = repo && (await branchByName(repo, name).catch(() => null));
        if (branch) return catalogAt(repo, branch.headSha).catch(() => defaultCatalog());
      }
      return defaultCatalog();
    }),
});
