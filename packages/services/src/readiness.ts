import { computeBranchReadiness, type BranchReadiness, type Catalog, type RunSummary } from "@proofboard/domain";
import { db, type Branch, type Repository } from "@proofboard/db";
import { CatalogError } from "@proofboard/domain";
import { catalogAt } from "./catalogs";
import { NotFoundError } from "./errors";

export interface BranchView {
  branch: Pick<Branch, "name" | "headSha" | "updatedAt">;
  commit: { subject: string; authorName: string; committedAt: Date } | null;
  catalogSource: string;
  catalog: Catalog | null;
  /** set when the head commit's catalog file is invalid: readiness cannot be judged */
  catalogError: string | null;
  readiness: BranchReadiness | null;
}

const summaryFields = {
  id: true, lane: true, commitSha: true, status: true, attempt: true, queuedAt: true, startedAt: true, finishedAt: true,
  failureKind: true, reason: true,
} as const;

/**
 * Runs that decide readiness: every run on the head commit (from any branch: the rule is
 * about commits), plus the latest pass per lane on this branch's older commits, shown as stale.
 */
async function readinessRuns(repositoryId: string, branchName: string, headSha: string): Promise<RunSummary[]> {
  const onHead = await db().run.findMany({ where: { repositoryId, commitSha: headSha }, select: summaryFields });
  const stale = await db().run.findMany({
    where: { repositoryId, branchName, status: "passed", commitSha: { not: headSha } },
    orderBy: [{ lane: "asc" }, { queuedAt: "desc" }],
    distinct: ["lane"],
    select: summaryFields,
  });
  return [...onHead, ...stale];
}

export async function branchView(repo: Repository, branch: Branch): Promise<BranchView> {
  const commit = await db().commit.findUnique({
    where: { repositoryId_sha: { repositoryId: repo.id, sha: branch.headSha } },
    select: { subject: true, authorName: true, committedAt: true },
  });
  const base = { branch, commit };
  try {
    const { catalog, source } = await catalogAt(repo, branch.headSha);
    const runs = await readinessRuns(repo.id, branch.name, branch.headSha);
    const readiness = computeBranchReadiness({ headSha: branch.headSha, catalog, runs });
    return { ...base, catalog, catalogSource: source, catalogError: null, readiness };
  } catch (err) {
    if (!(err instanceof CatalogError)) throw err;
    return { ...base, catalog: null, catalogSource: err.file, catalogError: err.message, readiness: null };
  }
}

export async function branchByName(repo: Repository, name: string): Promise<Branch> {
  const branch = await db().branch.findUnique({ where: { repositoryId_name: { repositoryId: repo.id, name } } });
  if (!branch || branch.deletedAt) throw new NotFoundError("branch", name);
  return branch;
}

export async function overview(repo: Repository): Promise<BranchView[]> {
  const branches = await db().branch.findMany({
    where: { repositoryId: repo.id, deletedAt: null },
    orderBy: [{ updatedAt: "desc" }],
  });
  const views = await Promise.all(branches.map((b) => branchView(repo, b)));
  // Default-looking branches first, then the most recently moved.
  const rank = (n: string) => (n === "main" || n === "master" ? 0 : n.startsWith("release/") ? 1 : 2);
  return views.sort((a, b) => rank(a.branch.name) - rank(b.branch.name));
}
