import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { CatalogError } from "@proofboard/domain";
import { branchByName, catalogAt, defaultCatalog, repositoryByName } from "@proofboard/services";
import { nameInput } from "../names";
import { readProcedure, router } from "../trpc";

type Repo = Awaited<ReturnType<typeof repositoryByName>>;
type Branch = Awaited<ReturnType<typeof branchByName>>;

/**
 * A branch's catalog, or its error naming the branch and commit: the file's own `file:line` alone
 * does not say which of many commits is broken. Never the default in its place, which would show
 * lanes the branch does not have. (No `cause`: the error mapping would put the bare message back.)
 */
async function catalogOfBranch(repo: Repo, branch: Branch) {
  try {
    return await catalogAt(repo, branch.headSha);
  } catch (err) {
    if (!(err instanceof CatalogError)) throw err;
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: `the catalog at the head of ${JSON.stringify(branch.name)} (${branch.headSha.slice(0, 10)}) cannot be read: ${err.message}`,
    });
  }
}

export const lanesRouter = router({
  /** The catalog in force: at a branch's head when a branch is given, else main's (or the default). */
  list: readProcedure
    .input(
      z.object({ repository: nameInput(200).optional(), branch: z.string().min(1).max(255).optional() }).optional(),
    )
    .query(async ({ input }) => {
      if (input?.branch) {
        const repo = await repositoryByName(input.repository);
        return catalogOfBranch(repo, await branchByName(repo, input.branch));
      }
      // Without a branch, what the target's main line carries is what people mean by "the catalog".
      const repo = input?.repository
        ? await repositoryByName(input.repository)
        : await repositoryByName(undefined).catch(() => null);
      for (const name of ["main", "master"]) {
        const branch = repo && (await branchByName(repo, name).catch(() => null));
        if (branch) return catalogOfBranch(repo, branch);
      }
      return defaultCatalog();
    }),
});
