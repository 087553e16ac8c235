import { CatalogError, laneSeconds, type Catalog, type Lane, type RunStatus } from "@proofboard/domain";
import { db, type Repository } from "@proofboard/db";
import { isSha, runGit } from "@proofboard/git";
import { catalogAt, defaultCatalog } from "./catalogs";
import { consoleStorageByRun } from "./console-sizes";
import { runFields, side, type RunRow } from "./history-runs";
import { NotFoundError } from "./errors";
import { branchByName } from "./readiness";
import { readingCommits } from "./mirror-commits";

type Repo = Pick<Repository, "id" | "name" | "url">;

export interface LogCommit {
  sha: string;
  subject: string;
  authorName: string;
  committedAt: Date;
}

/**
 * First-parent history, in git's order: committer dates lie after rebases and cherry-picks, so
 * the database's commit rows cannot order a branch. NUL separates fields and (with -z) commits,
 * and cannot occur in them, so subjects stay data whatever they contain.
 */
export async function firstParentLog(
  repo: Repo,
  revs: { from?: string; to: string },
  max: number,
): Promise<LogCommit[]> {
  for (const sha of [revs.to, revs.from ?? revs.to]) {
    if (!isSha(sha)) throw new Error(`not a full commit SHA: ${JSON.stringify(sha)}`);
  }
  const range = revs.from ? `${revs.from}..${revs.to}` : revs.to;
  const out = await readingCommits(repo, revs.from ? [revs.from, revs.to] : [revs.to], (mirror) =>
    runGit([
      ...["--git-dir", mirror.path, "log", "--first-parent", "--no-color", "-z"],
      ...["--format=%H%x00%an%x00%ct%x00%s", "-n", String(max), range, "--"],
    ]),
  );
  const fields = out.split("\0");
  const commits: LogCommit[] = [];
  for (let i = 0; i + 3 < fields.length; i += 4) {
    const [sha = "", authorName = "", ct = "", subject = ""] = fields.slice(i, i + 4);
    if (!isSha(sha)) break;
    commits.push({ sha, authorName, committedAt: new Date(Number(ct) * 1000), subject });
  }
  return commits;
}

/** Lane time: a held run's hold is not its lane's (packages/domain/src/durations.ts). */
const seconds = laneSeconds;

const releaseLanes = (c: Catalog) => new Set(c.gates.filter((g) => g.release).flatMap((g) => g.lanes));

export interface GridCell {
  id: string;
  status: RunStatus;
  attempt: number;
  seconds: number | null;
  /** passed, but a run of the lane on this commit failed or timed out: not a clean green */
  flaky: boolean;
  /** a newer run under way on this commit: the cell keeps the newest final run's verdict until it ends */
  rerun: { id: string; status: RunStatus } | null;
}

export interface BranchGrid {
  branch: string;
  headSha: string;
  catalogSource: string | null;
  catalogError: string | null;
  /** set when git could not list the history: only the head commit is shown */
  historyError: string | null;
  lanes: { name: string; title: string; group: string; release: boolean }[];
  /** newest first; `cells` is aligned with `lanes` */
  commits: (LogCommit & { cells: (GridCell | null)[]; release: { passed: number; total: number } })[];
}

/** A branch's recent first-parent commits × the lanes of its head's catalog, like Hydra's evaluations. */
export async function branchGrid(repo: Repository, branchName: string, count: number): Promise<BranchGrid> {
  const branch = await branchByName(repo, branchName);
  let log: LogCommit[];
  let historyError: string | null = null;
  try {
    log = await firstParentLog(repo, { to: branch.headSha }, count);
  } catch (err) {
    historyError = err instanceof Error ? err.message : String(err);
    const head = await db().commit.findUnique({
      where: { repositoryId_sha: { repositoryId: repo.id, sha: branch.headSha } },
    });
    const committedAt = head?.committedAt ?? branch.updatedAt;
    log = [{ sha: branch.headSha, subject: head?.subject ?? "", authorName: head?.authorName ?? "", committedAt }];
  }
  // Runs from any branch count: like readiness, the rule is about commits, not who asked. A cell is
  // the lane's verdict on the commit as readiness judges it (the commit_lane summary): its newest
  // final run, or its newest run while none has ended; a newer run under way is shown beside it.
  const runs = await db().commitLane.findMany({
    where: { repositoryId: repo.id, commitSha: { in: log.map((c) => c.sha) } },
    select: {
      runId: true,
      commitSha: true,
      lane: true,
      attempt: true,
      status: true,
      startedAt: true,
      finishedAt: true,
      laneEndedAt: true,
      failureRunId: true,
      finalRunId: true,
    },
  });
  const behindRerun = runs.flatMap((r) => (r.finalRunId && r.finalRunId !== r.runId ? [r.finalRunId] : []));
  const finals = new Map(
    (behindRerun.length
      ? await db().run.findMany({
          where: { id: { in: behindRerun } },
          select: { id: true, attempt: true, status: true, startedAt: true, finishedAt: true, laneEndedAt: true },
        })
      : []
    ).map((r) => [r.id, r]),
  );
  const latest = new Map(runs.map((r) => [`${r.commitSha}\0${r.lane}`, r]));

  let catalog: Catalog | null = null;
  let catalogSource: string | null = null;
  let catalogError: string | null = null;
  try {
    ({ catalog, source: catalogSource } = await catalogAt(repo, branch.headSha));
  } catch (err) {
    if (!(err instanceof CatalogError)) throw err;
    catalogError = err.message;
    catalogSource = err.file;
  }
  const release = catalog ? releaseLanes(catalog) : new Set<string>();
  // A broken head catalog still leaves history worth seeing: fall back to the lanes that ran.
  const lanes = catalog
    ? catalog.lanes.map((l) => ({ name: l.name, title: l.title, group: l.group, release: release.has(l.name) }))
    : [...new Set(runs.map((r) => r.lane))].sort().map((name) => ({ name, title: name, group: "", release: false }));

  return {
    branch: branch.name,
    headSha: branch.headSha,
    catalogSource,
    catalogError,
    historyError,
    lanes,
    commits: log.map((c) => {
      const cells = lanes.map(({ name }) => {
        const newest = latest.get(`${c.sha}\0${name}`);
        if (!newest) return null;
        const verdict = finals.get(newest.finalRunId ?? "");
        const r = verdict ? { ...verdict, runId: verdict.id } : newest;
        const rerun = verdict ? { id: newest.runId, status: newest.status } : null;
        return {
          id: r.runId,
          status: r.status,
          attempt: r.attempt,
          seconds: seconds(r),
          flaky: r.status === "passed" && newest.failureRunId !== null,
          rerun,
        };
      });
      const passed = lanes.filter((l, i) => l.release && cells[i]?.status === "passed").length;
      return { ...c, cells, release: { passed, total: release.size } };
    }),
  };
}

/** Interpolated like Postgres's percentile_cont, so it agrees with the "usual" durations elsewhere. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

const FAILED: readonly RunStatus[] = ["failed", "timed_out"];

/**
 * A flake is a commit on which the lane both passed and failed: the code did not change, so the
 * lane (or its host) did. Commits with only failures are real breakage and are not counted.
 */
export function flakeRate(runs: readonly { commitSha: string; status: RunStatus }[]) {
  const byCommit = new Map<string, { passed: boolean; failed: boolean }>();
  for (const r of runs) {
    const c = byCommit.get(r.commitSha) ?? { passed: false, failed: false };
    if (r.status === "passed") c.passed = true;
    if (FAILED.includes(r.status)) c.failed = true;
    byCommit.set(r.commitSha, c);
  }
  const flaky = [...byCommit].filter(([, c]) => c.passed && c.failed).map(([sha]) => sha);
  return { commits: byCommit.size, flakyCommits: flaky, rate: byCommit.size ? flaky.length / byCommit.size : null };
}

/** The catalog people mean without a branch: the main line's head, else the default. */
async function laneDefinition(repo: Repository, lane: string): Promise<Lane | null> {
  for (const name of ["main", "master"]) {
    const branch = await branchByName(repo, name).catch(() => null);
    const found =
      branch && (await catalogAt(repo, branch.headSha).catch(() => null))?.catalog.lanes.find((l) => l.name === lane);
    if (found) return found;
  }
  return (await defaultCatalog()).catalog.lanes.find((l) => l.name === lane) ?? null;
}

/** One lane over its last `limit` runs (optionally on one branch): durations, flakiness, counts. */
export async function laneHistory(repo: Repository, input: { lane: string; branch?: string; limit: number }) {
  if (input.branch) {
    const known = await db().branch.findUnique({
      where: { repositoryId_name: { repositoryId: repo.id, name: input.branch } },
    });
    if (!known) throw new NotFoundError("branch", input.branch);
  }
  const where = { repositoryId: repo.id, lane: input.lane, branchName: input.branch };
  const rows: RunRow[] = await db().run.findMany({
    where,
    orderBy: { queuedAt: "desc" },
    take: input.limit,
    select: runFields,
  });
  const definition = await laneDefinition(repo, input.lane);
  // A lane gone from the catalog still has a history; only a name never seen anywhere is unknown.
  if (!definition && rows.length === 0) {
    const ran = await db().run.findFirst({ where: { repositoryId: repo.id, lane: input.lane }, select: { id: true } });
    if (!ran) throw new NotFoundError("lane", input.lane);
  }
  const runs = rows.map(side);
  const trend = runs
    .filter((r) => r.status === "passed" && r.seconds !== null && r.finishedAt)
    .map((r) => ({
      runId: r.id,
      finishedAt: r.finishedAt!,
      seconds: r.seconds!,
      commitSha: r.commitSha,
      branch: r.branchName,
      hostName: r.hostName,
    }))
    .sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime());
  const durations = trend.map((t) => t.seconds).sort((a, b) => a - b);
  const passed = runs.filter((r) => r.status === "passed").length;
  const failed = runs.filter((r) => FAILED.includes(r.status)).length;
  const recent = runs.slice(0, 50);
  const sizes = await consoleStorageByRun(recent.map((r) => r.id));
  const recentBytes = recent.map((r) => sizes.get(r.id)?.bytes ?? 0).sort((a, b) => a - b);
  return {
    lane: input.lane,
    branch: input.branch ?? null,
    definition: definition && {
      title: definition.title,
      description: definition.description,
      group: definition.group,
      host: definition.host,
      expectedSeconds: definition.expectedSeconds,
    },
    window: runs.length,
    trend,
    counts: { passed, failed, other: runs.length - passed - failed },
    medianSeconds: percentile(durations, 0.5),
    p90Seconds: percentile(durations, 0.9),
    flake: flakeRate(runs),
    /** what the recent runs' consoles hold: per run (median) and together */
    consoleBytes: { median: percentile(recentBytes, 0.5), total: recentBytes.reduce((a, b) => a + b, 0) },
    recent: recent.map((r) => {
      const size = sizes.get(r.id);
      return { ...r, consoleBytes: size?.bytes ?? 0, console: size ?? null };
    }),
  };
}
