import { CatalogError, computeBranchReadiness, type BranchReadiness, type Catalog } from "@proofboard/domain";
import { db, type Branch, type Repository } from "@proofboard/db";
import { catalogsAt } from "./catalogs";
import { NotFoundError } from "./errors";
import { readinessRuns, type Asked } from "./readiness-runs";

export interface BranchView {
  branch: Pick<Branch, "name" | "headSha" | "updatedAt">;
  commit: { subject: string; authorName: string; committedAt: Date } | null;
  catalogSource: string;
  catalog: Catalog | null;
  /** set when the head commit's catalog file is invalid: readiness cannot be judged */
  catalogError: string | null;
  /** from overview(): judged on the gates' lanes only, unless asked for all (see overview) */
  readiness: BranchReadiness | null;
}

interface HeadRow {
  name: string;
  head_sha: string;
  updated_at: Date;
  subject: string | null;
  author_name: string | null;
  committed_at: Date | null;
}

type Head = { branch: BranchView["branch"]; commit: BranchView["commit"] };

const gateCatalogs = new WeakMap<Catalog, Catalog>();

/** The catalog cut down to the lanes its gates name, in catalog order: every lane the overview shows. */
export function gateLanesOnly(catalog: Catalog): Catalog {
  let cut = gateCatalogs.get(catalog);
  if (!cut) {
    const named = new Set(catalog.gates.flatMap((g) => g.lanes));
    cut = { ...catalog, lanes: catalog.lanes.filter((l) => named.has(l.name)) };
    gateCatalogs.set(catalog, cut);
  }
  return cut;
}

/**
 * The views of many branches with a fixed number of queries, whatever the number of branches.
 * `judged` picks the catalog readiness is computed on (the view keeps the whole catalog).
 */
export async function branchViews(repo: Repository, heads: Head[], judged = (c: Catalog) => c): Promise<BranchView[]> {
  const catalogs = await catalogsAt(repo, [...new Set(heads.map((h) => h.branch.headSha))]);
  const asked = new Map<string, Asked>();
  for (const { branch } of heads) {
    const resolved = catalogs.get(branch.headSha);
    if (resolved instanceof CatalogError || !resolved) continue;
    const lanes = judged(resolved.catalog).lanes.map((l) => l.name);
    const key = lanes.join("\n");
    const group = asked.get(key) ?? asked.set(key, { branches: [], lanes }).get(key)!;
    group.branches.push({ name: branch.name, headSha: branch.headSha });
  }
  const runs = await readinessRuns(repo.id, [...asked.values()]);
  return heads.map(({ branch, commit }) => {
    const resolved = catalogs.get(branch.headSha)!;
    if (resolved instanceof CatalogError) {
      return {
        branch,
        commit,
        catalog: null,
        catalogSource: resolved.file,
        catalogError: resolved.message,
        readiness: null,
      };
    }
    const { catalog, source } = resolved;
    const readiness = computeBranchReadiness({
      headSha: branch.headSha,
      catalog: judged(catalog),
      runs: runs.get(branch.name) ?? [],
    });
    return { branch, commit, catalog, catalogSource: source, catalogError: null, readiness };
  });
}

export async function branchView(repo: Repository, branch: Branch): Promise<BranchView> {
  const commit = await db().commit.findUnique({
    where: { repositoryId_sha: { repositoryId: repo.id, sha: branch.headSha } },
    select: { subject: true, authorName: true, committedAt: true },
  });
  const [view] = await branchViews(repo, [{ branch, commit }]);
  return view!;
}

export async function branchByName(repo: Repository, name: string): Promise<Branch> {
  const branch = await db().branch.findUnique({ where: { repositoryId_name: { repositoryId: repo.id, name } } });
  if (!branch || branch.deletedAt) throw new NotFoundError("branch", name);
  return branch;
}

export interface OverviewOptions {
  /** judge every lane, not only the gates' lanes (see overviewPage) */
  allLanes?: boolean;
  /** only branches whose name contains this text, case-insensitively (plain text, not a pattern) */
  filter?: string;
  /** at most this many branches, in the overview's order */
  limit?: number;
}

/**
 * Live branches for the readiness overview, in its order: main (or master), then release/*, then
 * the most recently moved; `total` counts every branch the filter admits, `views` holds the first
 * `limit` of them. Readiness is read only for those, so a page of the overview costs the same
 * whether the repository has 50 branches or 5,000. The views judge only the lanes of the gates (all
 * the overview shows: release-ready, each gate's lanes, what is missing), so `readiness.lanes`
 * holds those lanes alone; `allLanes` judges every lane, as branchView does. Gates, `missing` and
 * `releaseReady` are the same either way.
 */
export async function overviewPage(
  repo: Repository,
  opts: OverviewOptions = {},
): Promise<{ total: number; views: BranchView[] }> {
  // One statement for the branches and their head commits (a model query per table costs more here).
  const rows = await db().$queryRaw<(HeadRow & { total: number })[]>`
    SELECT b.name, b.head_sha, b.updated_at, c.subject, c.author_name, c.committed_at, (count(*) OVER ())::int AS total
    FROM branch b LEFT JOIN commit c ON c.repository_id = b.repository_id AND c.sha = b.head_sha
    WHERE b.repository_id = ${repo.id} AND b.deleted_at IS NULL
      AND (${opts.filter ?? null}::text IS NULL OR strpos(lower(b.name), lower(${opts.filter ?? null}::text)) > 0)
    ORDER BY CASE WHEN b.name IN ('main', 'master') THEN 0 WHEN b.name LIKE 'release/%' THEN 1 ELSE 2 END, b.updated_at DESC, b.name
    LIMIT ${opts.limit ?? null}::int`;
  const views = await branchViews(
    repo,
    rows.map((r) => ({
      branch: { name: r.name, headSha: r.head_sha, updatedAt: r.updated_at },
      commit:
        r.subject === null ? null : { subject: r.subject, authorName: r.author_name!, committedAt: r.committed_at! },
    })),
    opts.allLanes ? undefined : gateLanesOnly,
  );
  return { total: rows[0]?.total ?? 0, views };
}

/** Every live branch the filter admits, as overviewPage gives them. */
export async function overview(repo: Repository, opts: Omit<OverviewOptions, "limit"> = {}): Promise<BranchView[]> {
  return (await overviewPage(repo, opts)).views;
}
