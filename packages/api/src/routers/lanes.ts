import { z } from "zod";
import { branchByName, catalogAt, defaultCatalog, repositoryByName } from "@proofboard/services";
import { publicProcedure, router } from "../trpc";

export const lanesRouter = router({
  /** The catalog in force: at a branch's head when a branch is given, else the default. */
  list: publicProcedure
    .input(z.object({ repository: z.string().max(200).optional(), branch: z.string().min(1).max(255).optional() }).optional())
    .query(async ({ input }) => {
      if (input?.branch) {
        const repo = await repositoryByName(input.repository);
        const branch = await branchByName(repo, input.branch);
        return catalogAt(repo, branch.headSha);
      }
      return defaultCatalog();
    }),
});
