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
  /** from overview(): judged on the gates' lanes only, unless asked for all (see overview) */
  readiness: BranchReadiness | null;
}

interface RunRow {
  /** 1-based position of the branch in the statement's array */
  i: number;
  id: string;
  lane: string;
  commit_sha: string;
  status: RunStatus;
  attempt: number;
  /** epoch milliseconds (timestamp(3), as Prisma reads it: UTC): numbers decode much faster than dates */
  queued_at: number;
  started_at: number | null;
  finished_at: number | null;
  failure_kind: FailureKind | null;
  reason: string | null;
}

interface HeadRow {
  name: string;
  head_sha: string;
  updated_at: Date;
  subject: string | null;
  author_name: string | null;
  committed_at: Date | null;
}

/** Branches whose head catalogs ask about the same lanes: one statement covers them all. */
interface Asked {
  branches: { name: string; headSha: string }[];
  lanes: string[];
}

/**
 * (branch, lane) pairs per statement at most. A few statements run side by side on the pool's
 * connections (PostgreSQL works on one while this process decodes another), and each stays far
 * below jit_above_cost (compiling would cost more than the query). Branches and lanes travel as two
 * short arrays, not one entry per pair: large array parameters are slow to encode.
 */
const PAIRS_PER_QUERY = 900;
/** Statements (and catalog reads) in flight at once for one call. */
const PARALLEL = 4;

/**
 * The runs that decide readiness, for many branches at once, and no more than computeBranchReadiness
 * reads of them. Per lane it takes the newest run on the head commit (from any branch: the rule is
 * about commits); when that one passed, whether a run on the head failed or timed out (flaky: one
 * such run is enough); when it did not, the newest pass on this branch's older commits (stale).
 * So per (branch, lane): one index probe for the head run, then one of the other two. "Newest" is
 * computeBranchReadiness's order: queued_at, attempt, id, all descending (the indexes of migration
 * 20261127040000_scale_indexes serve it backwards). Keep this in step with computeBranchReadiness;
 * `pnpm bench:scale` checks the two against a plain reading of every run.
 */
async function readinessRuns(repositoryId: string, asked: Asked[]): Promise<Map<string, RunSummary[]>> {
  const chunks: Asked[] = [];
  for (const { branches, lanes } of asked) {
    if (lanes.length === 0) continue;
    const per = Math.max(1, Math.floor(PAIRS_PER_QUERY / lanes.length));
    for (let i = 0; i < branches.length; i += per) chunks.push({ branches: branches.slice(i, i + per), lanes });
  }
  const results = await inParallel(chunks, PARALLEL, async ({ branches, lanes }) => {
    const rows = await db().$queryRaw<RunRow[]>`
    SELECT w.i::int AS i, r.id::text AS id, r.lane, r.commit_sha, r.status::text AS status, r.attempt,
      (extract(epoch FROM r.queued_at) * 1000)::float8 AS queued_at, (extract(epoch FROM r.started_at) * 1000)::float8 AS started_at,
      (extract(epoch FROM r.finished_at) * 1000)::float8 AS finished_at, r.failure_kind::text AS failure_kind, r.reason
    FROM (
      -- branch by branch (OFFSET 0 keeps this order): a branch's probes then hit the same index pages
      SELECT b.branch, b.head_sha, b.i, l.lane
      FROM unnest(${branches.map((b) => b.name)}::text[], ${branches.map((b) => b.headSha)}::text[]) WITH ORDINALITY AS b(branch, head_sha, i),
        unnest(${lanes}::text[]) WITH ORDINALITY AS l(lane, j)
      ORDER BY b.i, l.j OFFSET 0
    ) w
    LEFT JOIN LATERAL (
      SELECT id, lane, commit_sha, status, attempt, queued_at, started_at, finished_at, failure_kind, reason FROM run
      WHERE repository_id = ${repositoryId} AND commit_sha = w.head_sha AND lane = w.lane
      ORDER BY queued_at DESC, attempt DESC, id DESC LIMIT 1
    ) h ON true
    CROSS JOIN LATERAL (
      SELECT h.id, h.lane, h.commit_sha, h.status, h.attempt, h.queued_at, h.started_at, h.finished_at, h.failure_kind, h.reason
      WHERE h.id IS NOT NULL
      UNION ALL
      (SELECT id, lane, commit_sha, status, attempt, queued_at, started_at, finished_at, failure_kind, reason FROM run
        WHERE h.status = 'passed' AND repository_id = ${repositoryId} AND commit_sha = w.head_sha AND lane = w.lane
          AND status IN ('failed', 'timed_out')
        LIMIT 1)
      UNION ALL
      (SELECT id, lane, commit_sha, status, attempt, queued_at, started_at, finished_at, failure_kind, reason FROM run
        WHERE h.status IS DISTINCT FROM 'passed' AND repository_id = ${repositoryId} AND branch_name = w.branch AND lane = w.lane
          AND status = 'passed' AND commit_sha <> w.head_sha
        ORDER BY queued_at DESC, attempt DESC, id DESC LIMIT 1)
    ) r`;
    return { branches, rows };
  });
  const byBranch = new Map<string, RunSummary[]>();
  for (const { branches, rows } of results) for (const r of rows) {
    const branch = branches[r.i - 1]!.name;
    const run: RunSummary = {
      id: r.id, lane: r.lane, commitSha: r.commit_sha, status: r.status, attempt: r.attempt, queuedAt: new Date(r.queued_at),
      startedAt: r.started_at === null ? null : new Date(r.started_at),
      finishedAt: r.finished_at === null ? null : new Date(r.finished_at), failureKind: r.failure_kind, reason: r.reason,
    };
    const list = byBranch.get(branch);
    if (list) list.push(run);
    else byBranch.set(branch, [run]);
  }
  return byBranch;
}

type CatalogOrError = ResolvedCatalog | CatalogError;

/**
 * Each head commit's catalog (cached per commit by catalogAt). A cold cache reads the file from
 * git once per commit, a few at a time rather than one process per branch at once.
 */
async function catalogsAt(repo: Repository, shas: string[]): Promise<Map<string, CatalogOrError>> {
  const resolved = await inParallel(shas, PARALLEL, async (sha): Promise<CatalogOrError> => {
    try {
      return await catalogAt(repo, sha);
    } catch (err) {
      if (!(err instanceof CatalogError)) throw err;
      return err;
    }
  });
  return new Map(shas.map((sha, i) => [sha, resolved[i]!]));
}

/** `fn` over `items`, at most `limit` at a time; results in the order of `items`. */
async function inParallel<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

type Head = { branch: BranchView["branch"]; commit: BranchView["commit"] };

const gateCatalogs = new WeakMap<Catalog, Catalog>();

/** The catalog cut down to the lanes its gates name, in catalog order: every lane the overview shows. */
function gateLanesOnly(catalog: Catalog): Catalog {
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
async function branchViews(repo: Repository, heads: Head[], judged = (c: Catalog) => c): Promise<BranchView[]> {
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
      return { branch, commit, catalog: null, catalogSource: resolved.file, catalogError: resolved.message, readiness: null };
    }
    const { catalog, source } = resolved;
    const readiness = computeBranchReadiness({ headSha: branch.headSha, catalog: judged(catalog), runs: runs.get(branch.name) ?? [] });
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

/**
 * Every live branch, for the readiness overview. Its views judge only the lanes of the gates (all
 * the overview shows: release-ready, each gate's lanes, what is missing), so `readiness.lanes` holds
 * those lanes alone; `allLanes` judges every lane, as branchView does. Gates, `missing` and
 * `releaseReady` are the same either way.
 */
export async function overview(repo: Repository, opts: { allLanes?: boolean } = {}): Promise<BranchView[]> {
  // One statement for the branches and their head commits (a model query per table costs more here).
  const rows = await db().$queryRaw<HeadRow[]>`
    SELECT b.name, b.head_sha, b.updated_at, c.subject, c.author_name, c.committed_at
    FROM branch b LEFT JOIN commit c ON c.repository_id = b.repository_id AND c.sha = b.head_sha
    WHERE b.repository_id = ${repo.id} AND b.deleted_at IS NULL
    ORDER BY b.updated_at DESC, b.name`;
  const views = await branchViews(repo, rows.map((r) => ({
    branch: { name: r.name, headSha: r.head_sha, updatedAt: r.updated_at },
    commit: r.subject === null ? null : { subject: r.subject, authorName: r.author_name!, committedAt: r.committed_at! },
  })), opts.allLanes ? undefined : gateLanesOnly);
  // Default-looking branches first, then the most recently moved.
  const rank = (n: string) => (n === "main" || n === "master" ? 0 : n.startsWith("release/") ? 1 : 2);
  return views.sort((a, b) => rank(a.branch.name) - rank(b.branch.name));
}
