import {
  CatalogError, computeBranchReadiness, type BranchReadiness, type Catalog, type FailureKind, type RunStatus, type RunSummary,
} from "@proofboard/domain";
import { db, type Branch, type Repository } from "@proofboard/db";
import { catalogAt, type ResolvedCatalog } from "./catalogs";
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

interface RunRow {
  branch: string;
  id: string;
  lane: string;
  commit_sha: string;
  status: RunStatus;
  attempt: number;
  queued_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  failure_kind: FailureKind | null;
  reason: string | null;
}

/** One lane of one branch's head catalog: what the readiness of that branch asks about. */
interface LaneOfBranch {
  branch: string;
  headSha: string;
  lane: string;
}

/**
 * The runs that decide readiness, for many branches in one statement. computeBranchReadiness looks,
 * per lane, only at the newest run on the head commit (from any branch: the rule is about commits)
 * and, when that one did not pass, at the newest pass on this branch's older commits (stale). So
 * those two runs per (branch, lane) are all it is given, each found by one index probe
 * ("newest" in its order: queued_at, then attempt, then id, all descending), instead of every run
 * on the head and a sort over every pass the branch ever had.
 */
async function readinessRuns(repositoryId: string, wanted: LaneOfBranch[]): Promise<Map<string, RunSummary[]>> {
  const byBranch = new Map<string, RunSummary[]>();
  if (wanted.length === 0) return byBranch;
  const rows = await db().$queryRaw<RunRow[]>`
    WITH wanted AS (
      SELECT * FROM unnest(${wanted.map((w) => w.branch)}::text[], ${wanted.map((w) => w.headSha)}::text[],
        ${wanted.map((w) => w.lane)}::text[]) AS w(branch, head_sha, lane)
    ), head AS (
      SELECT w.branch, r.* FROM wanted w CROSS JOIN LATERAL (
        SELECT id, lane, commit_sha, status, attempt, queued_at, started_at, finished_at, failure_kind, reason FROM run
        WHERE repository_id = ${repositoryId} AND commit_sha = w.head_sha AND lane = w.lane
        ORDER BY queued_at DESC, attempt DESC, id DESC LIMIT 1
      ) r
    )
    SELECT branch, id::text, lane, commit_sha, status::text AS status, attempt, queued_at, started_at, finished_at,
      failure_kind::text AS failure_kind, reason FROM head
    UNION ALL
    SELECT w.branch, s.id::text, s.lane, s.commit_sha, 'passed', s.attempt, s.queued_at, s.started_at, s.finished_at,
      s.failure_kind::text, s.reason
    FROM wanted w LEFT JOIN head h ON h.branch = w.branch AND h.lane = w.lane
    CROSS JOIN LATERAL (
      SELECT id, lane, commit_sha, attempt, queued_at, started_at, finished_at, failure_kind, reason FROM run
      WHERE h.status IS DISTINCT FROM 'passed'
        AND repository_id = ${repositoryId} AND branch_name = w.branch AND lane = w.lane AND status = 'passed'
        AND commit_sha <> w.head_sha
      ORDER BY queued_at DESC, attempt DESC, id DESC LIMIT 1
    ) s`;
  for (const r of rows) {
    const run: RunSummary = {
      id: r.id, lane: r.lane, commitSha: r.commit_sha, status: r.status, attempt: r.attempt, queuedAt: r.queued_at,
      startedAt: r.started_at, finishedAt: r.finished_at, failureKind: r.failure_kind, reason: r.reason,
    };
    const list = byBranch.get(r.branch);
    if (list) list.push(run);
    else byBranch.set(r.branch, [run]);
  }
  return byBranch;
}

type CatalogOrError = ResolvedCatalog | CatalogError;

/**
 * Each head commit's catalog (cached per commit by catalogAt). A cold cache reads the file from
 * git once per commit, a few at a time rather than one process per branch at once.
 */
async function catalogsAt(repo: Repository, shas: string[]): Promise<Map<string, CatalogOrError>> {
  const out = new Map<string, CatalogOrError>();
  let next = 0;
  const worker = async () => {
    while (next < shas.length) {
      const sha = shas[next++]!;
      try {
        out.set(sha, await catalogAt(repo, sha));
      } catch (err) {
        if (!(err instanceof CatalogError)) throw err;
        out.set(sha, err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, shas.length) }, worker));
  return out;
}

async function headCommits(repositoryId: string, shas: string[]): Promise<Map<string, BranchView["commit"]>> {
  const rows = await db().commit.findMany({
    where: { repositoryId, sha: { in: shas } },
    select: { sha: true, subject: true, authorName: true, committedAt: true },
  });
  return new Map(rows.map(({ sha, ...commit }) => [sha, commit]));
}

/** The views of many branches with a fixed number of queries, whatever the number of branches. */
async function branchViews(repo: Repository, branches: Branch[]): Promise<BranchView[]> {
  const shas = [...new Set(branches.map((b) => b.headSha))];
  const [commits, catalogs] = await Promise.all([headCommits(repo.id, shas), catalogsAt(repo, shas)]);
  const wanted: LaneOfBranch[] = [];
  for (const b of branches) {
    const resolved = catalogs.get(b.headSha);
    if (resolved instanceof CatalogError || !resolved) continue;
    for (const lane of resolved.catalog.lanes) wanted.push({ branch: b.name, headSha: b.headSha, lane: lane.name });
  }
  const runs = await readinessRuns(repo.id, wanted);
  return branches.map((branch) => {
    const base = { branch, commit: commits.get(branch.headSha) ?? null };
    const resolved = catalogs.get(branch.headSha)!;
    if (resolved instanceof CatalogError) {
      return { ...base, catalog: null, catalogSource: resolved.file, catalogError: resolved.message, readiness: null };
    }
    const { catalog, source } = resolved;
    const readiness = computeBranchReadiness({ headSha: branch.headSha, catalog, runs: runs.get(branch.name) ?? [] });
    return { ...base, catalog, catalogSource: source, catalogError: null, readiness };
  });
}

export async function branchView(repo: Repository, branch: Branch): Promise<BranchView> {
  const [view] = await branchViews(repo, [branch]);
  return view!;
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
  const views = await branchViews(repo, branches);
  // Default-looking branches first, then the most recently moved.
  const rank = (n: string) => (n === "main" || n === "master" ? 0 : n.startsWith("release/") ? 1 : 2);
  return views.sort((a, b) => rank(a.branch.name) - rank(b.branch.name));
}
