import type { FailureKind, RunStatus, RunSummary } from "@proofboard/domain";
import { queryRows } from "@proofboard/db";

/** Branches whose head catalogs ask about the same lanes. */
export interface Asked {
  branches: { name: string; headSha: string }[];
  lanes: string[];
}

/**
 * The runs that decide readiness, for many branches at once, and no more than computeBranchReadiness
 * reads of them. Per lane: the newest run on the head commit (from any branch: the rule is about
 * commits) and, when that one is still under way, the newest final run there (its verdict stands
 * until the rerun ends); when the final one passed, a failed or timed-out run on the head (flaky:
 * one is enough); when it did not, the newest pass on this branch's older commits (stale).
 * "Newest" is computeBranchReadiness's order: queued_at, attempt, id, all descending.
 *
 * Read from the two summaries the triggers of migration 20261127060000_readiness_summaries keep
 * (commit_lane: newest run and newest final run per commit and lane, 20261209200000_commit_lane_final_run;
 * branch_lane_pass: newest pass per branch and lane): one index range per branch in each, 250
 * branches per statement; then the run table only by id for flaky lanes and for the verdicts of
 * lanes being rerun, and by index for a lane whose newest pass is on the head although its newest
 * final run there is not a pass (a failed rerun after a pass). Reading the million-row run table
 * per (branch, lane) instead cost several times more at 500 branches. `pnpm bench:scale` checks
 * the result against a plain reading of every run.
 */
export async function readinessRuns(repositoryId: string, asked: Asked[]): Promise<Map<string, RunSummary[]>> {
  const byBranch = new Map<string, RunSummary[]>();
  const chunks: Asked[] = [];
  for (const { branches, lanes } of asked) {
    for (const b of branches) byBranch.set(b.name, []);
    if (lanes.length === 0) continue;
    for (let i = 0; i < branches.length; i += BRANCHES_PER_QUERY)
      chunks.push({ branches: branches.slice(i, i + BRANCHES_PER_QUERY), lanes });
  }
  // PostgreSQL works on one chunk's statements while this process decodes another's rows.
  await Promise.all(chunks.map((chunk) => readChunk(repositoryId, chunk, byBranch)));
  return byBranch;
}

async function readChunk(
  repositoryId: string,
  { branches, lanes }: Asked,
  byBranch: Map<string, RunSummary[]>,
): Promise<void> {
  const rows = await queryRows(SUMMARIES_SQL, [
    repositoryId,
    branches.map((b) => b.name),
    branches.map((b) => b.headSha),
    lanes,
  ]);
  // a run's id -> the run lists of the branches that need it: a failed run making a pass flaky, or the verdict of a lane being rerun
  const byId = new Map<string, RunSummary[][]>();
  const need = (id: string, runs: RunSummary[]) => (byId.get(id) ?? byId.set(id, []).get(id)!).push(runs);
  const fallback: { runs: RunSummary[]; branch: string; headSha: string; lane: string }[] = [];
  for (const row of rows as SummaryRow[]) {
    const [i, j, head, failureRunId, finalRunId] = row;
    const branch = branches[i - 1]!;
    const runs = byBranch.get(branch.name)!;
    const run = summary(row, 5, branch.headSha, lanes[j - 1]!);
    if (head) {
      runs.push(run);
      if (failureRunId) need(failureRunId, runs);
      if (finalRunId) need(finalRunId, runs);
    } else if (run.commitSha !== branch.headSha) {
      runs.push(run);
    } else {
      fallback.push({ runs, branch: branch.name, headSha: branch.headSha, lane: run.lane });
    }
  }
  const [byIdRows, olderRows] = await Promise.all([
    byId.size ? queryRows(RUNS_BY_ID_SQL, [[...byId.keys()]]) : [],
    fallback.length
      ? queryRows(OLDER_PASSES_SQL, [
          repositoryId,
          fallback.map((f) => f.branch),
          fallback.map((f) => f.headSha),
          fallback.map((f) => f.lane),
        ])
      : [],
  ]);
  for (const row of byIdRows as [string, string, string, ...RunFields][]) {
    for (const runs of byId.get(row[0])!) runs.push(summary(row, 3, row[1], row[2]));
  }
  for (const row of olderRows as [number, string, ...RunFields][]) {
    const f = fallback[row[0] - 1]!;
    f.runs.push(summary(row, 2, row[1], f.lane));
  }
}

/** Branches per statement: a few statements run side by side, each far below jit_above_cost. */
const BRANCHES_PER_QUERY = 250;

/** A run's fields as the statements select them: times as epoch milliseconds (numbers decode much faster than dates). */
type RunFields = [
  id: string,
  commitSha: string | null,
  status: RunStatus,
  attempt: number,
  queuedAt: number,
  startedAt: number | null,
  finishedAt: number | null,
  laneEndedAt: number | null,
  failureKind: FailureKind | null,
  reason: string | null,
];
/**
 * Branch and lane as 1-based positions in the parameters; the commit is null when it is the head (most are).
 * finalRunId is set only when the newest final run is not the newest run (a rerun under way).
 */
type SummaryRow = [
  i: number,
  j: number,
  head: boolean,
  failureRunId: string | null,
  finalRunId: string | null,
  ...RunFields,
];

function summary(row: readonly unknown[], at: number, headSha: string, lane: string): RunSummary {
  const [id, commitSha, status, attempt, queued, started, finished, laneEnded, failureKind, reason] = row.slice(
    at,
    at + 10,
  ) as RunFields;
  const date = (ms: number | null) => (ms === null ? null : new Date(ms));
  return {
    id,
    lane,
    commitSha: commitSha ?? headSha,
    status,
    attempt,
    queuedAt: new Date(queued),
    startedAt: date(started),
    finishedAt: date(finished),
    laneEndedAt: date(laneEnded),
    failureKind,
    reason,
  };
}

/** The ten RunFields of the row `t`, the commit null when it is `head`. */
const fields = (
  t: string,
  id: string,
  status: string,
  head: string,
) => `${t}.${id}::text, nullif(${t}.commit_sha, ${head}), ${status}, ${t}.attempt,
  (extract(epoch FROM ${t}.queued_at) * 1000)::float8, (extract(epoch FROM ${t}.started_at) * 1000)::float8,
  (extract(epoch FROM ${t}.finished_at) * 1000)::float8, (extract(epoch FROM ${t}.lane_ended_at) * 1000)::float8,
  ${t}.failure_kind::text, ${t}.reason`;

/**
 * $1 repository, $2 branches, $3 their heads, $4 lanes. Per branch, one index range over each
 * summary: the head runs of its lanes (with a failed run's id when the newest final run passed,
 * and that final run's id when a newer run is under way), then its newest passes of the lanes
 * whose newest final run on the head did not pass.
 */
const SUMMARIES_SQL = `
  SELECT b.i::int, x.j::int, x.head, x.failure_run_id::text, x.final_run_id::text, ${fields("x", "run_id", "x.status::text", "b.head_sha")}
  FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS b(branch, head_sha, i)
  CROSS JOIN LATERAL (
    SELECT l.j, true AS head, CASE WHEN h.final_status = 'passed' THEN h.failure_run_id END AS failure_run_id,
      CASE WHEN h.final_run_id <> h.run_id THEN h.final_run_id END AS final_run_id,
      h.run_id, h.commit_sha, h.status, h.attempt, h.queued_at, h.started_at, h.finished_at, h.lane_ended_at, h.failure_kind, h.reason
    FROM commit_lane h JOIN unnest($4::text[]) WITH ORDINALITY AS l(lane, j) ON l.lane = h.lane
    WHERE h.repository_id = $1 AND h.commit_sha = b.head_sha
    UNION ALL
    SELECT l.j, false, NULL, NULL, p.run_id, p.commit_sha, 'passed', p.attempt, p.queued_at, p.started_at, p.finished_at, p.lane_ended_at,
      p.failure_kind, p.reason
    FROM branch_lane_pass p JOIN unnest($4::text[]) WITH ORDINALITY AS l(lane, j) ON l.lane = p.lane
    WHERE p.repository_id = $1 AND p.branch_name = b.branch AND NOT EXISTS (
      SELECT 1 FROM commit_lane h WHERE h.repository_id = $1 AND h.commit_sha = b.head_sha AND h.lane = p.lane AND h.final_status = 'passed')
  ) x`;

/** $1 run ids: the failed runs that make a pass flaky, and the verdicts of lanes being rerun. */
const RUNS_BY_ID_SQL = `SELECT r.id::text, r.commit_sha, r.lane, ${fields("r", "id", "r.status::text", "NULL")} FROM run r WHERE r.id = ANY($1::uuid[])`;

/** $1 repository, $2 branches, $3 their heads, $4 lanes: the newest pass on another commit of the branch, by the run index. */
const OLDER_PASSES_SQL = `
  SELECT w.i::int, r.commit_sha, ${fields("r", "id", "r.status::text", "NULL")}
  FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS w(branch, head_sha, lane, i)
  CROSS JOIN LATERAL (
    SELECT * FROM run WHERE repository_id = $1 AND branch_name = w.branch AND lane = w.lane AND status = 'passed' AND commit_sha <> w.head_sha
    ORDER BY queued_at DESC, attempt DESC, id DESC LIMIT 1
  ) r`;
