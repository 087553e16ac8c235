import type { BranchReadiness, LaneReadiness, RunSummary } from "@proofboard/domain";
import { db, queryRows, type Prisma, type Repository } from "@proofboard/db";
import { branchViews, gateLanesOnly, type BranchView } from "./readiness";

/**
 * The readiness recorder (issue #11): appends a readiness_change row whenever a branch as a whole
 * (gate null: release-ready) or one of its gates turns READY or NOT READY, judged by the same
 * branchViews/computeBranchReadiness the pages use. Rows are compared with the newest row of their
 * branch and gate, so a pass that finds nothing new writes nothing and running it again is harmless.
 */

export interface ReadinessChange {
  /** bigserial as text (JSON has no 64-bit integers); ascending in commit order, so a reader's cursor */
  id: string;
  repository: string;
  branch: string;
  /** the catalog gate's id; null for the branch as a whole (every release gate green) */
  gate: string | null;
  ready: boolean;
  commitSha: string;
  commitSubject: string | null;
  /** the run whose result made the change; null when a new head commit (or catalog) did */
  runId: string | null;
  missing: string[];
  /** the first verdict seen for this branch and gate: a starting point, never announced */
  initial: boolean;
  at: Date;
}

export interface RecordOptions {
  /** only branches touched after this (a run on their head queued or ended, the head moved); omitted: every live branch */
  since?: Date;
}

export interface RecordResult {
  recorded: ReadinessChange[];
  /** branches judged */
  checked: number;
  /** the database's clock when the pass began: the next pass asks for what happened after this */
  startedAt: Date;
}

/**
 * One lock for every recorder of every process: passes run one after another, each judging after
 * the previous one committed, so a change is written once; and ids commit in ascending order, so
 * readinessChangesAfter(cursor) never skips a row that commits late.
 */
const LOCK_KEY = "proofboard:readiness_change";

/** A pass for every repository; see recordRepositoryChanges. */
export async function recordReadinessChanges(opts: RecordOptions = {}): Promise<RecordResult> {
  const [[now]] = (await queryRows("SELECT (extract(epoch FROM now()) * 1000)::float8", [])) as [[number]];
  const repos = await db().repository.findMany({ orderBy: { name: "asc" } });
  const result: RecordResult = { recorded: [], checked: 0, startedAt: new Date(now) };
  for (const repo of repos) {
    const r = await recordRepositoryChanges(repo, opts);
    result.recorded.push(...r.recorded);
    result.checked += r.checked;
  }
  return result;
}

interface Candidate {
  name: string;
  headSha: string;
  updatedAt: Date;
}

/**
 * The branches of `repo` whose verdict may have changed since `since`: those whose head moved and
 * those with a run on their head commit queued or ended (only head runs decide `ready`). Both come
 * from index ranges (run by repository and queue or finish time), whatever the number of runs.
 */
async function candidates(repo: Repository, since: Date | undefined): Promise<Candidate[]> {
  const rows = (await queryRows(
    `SELECT b.name, b.head_sha, (extract(epoch FROM b.updated_at) * 1000)::float8 FROM branch b
     WHERE b.repository_id = $1 AND b.deleted_at IS NULL AND ($2::float8 IS NULL
       OR b.updated_at > to_timestamp($2::float8 / 1000) AT TIME ZONE 'UTC'
       OR b.head_sha IN (
         SELECT r.commit_sha FROM run r WHERE r.repository_id = $1 AND r.finished_at > to_timestamp($2::float8 / 1000) AT TIME ZONE 'UTC'
         UNION
         SELECT r.commit_sha FROM run r WHERE r.repository_id = $1 AND r.queued_at > to_timestamp($2::float8 / 1000) AT TIME ZONE 'UTC'))
     ORDER BY b.name`,
    [repo.id, since ? since.getTime() : null],
  )) as [string, string, number][];
  return rows.map(([name, headSha, updated]) => ({ name, headSha, updatedAt: new Date(updated) }));
}

type Newest = { ready: boolean; commitSha: string };
type Inserted = {
  id: string;
  branch: string;
  gate: string | null;
  ready: boolean;
  commit_sha: string;
  run_id: string | null;
  missing: string[];
  initial: boolean;
  at: Date;
};

export async function recordRepositoryChanges(
  repo: Repository,
  opts: RecordOptions = {},
): Promise<{ recorded: ReadinessChange[]; checked: number }> {
  let checked = 0;
  const recorded = await db().$transaction(
    async (tx) => {
      await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtext(${LOCK_KEY}))`;
      // Heads and verdicts are read only now, under the lock: ones read before another pass
      // committed (an older head, say) could write a row that undoes its newer one.
      const heads = await candidates(repo, opts.since);
      checked = heads.length;
      if (heads.length === 0) return [];
      const views = await branchViews(
        repo,
        heads.map((h) => ({ branch: h, commit: null })),
        gateLanesOnly,
      );
      const newest = await newestRows(
        tx,
        repo.id,
        heads.map((h) => h.name),
      );
      const rows = views.flatMap((v) => changesOf(v, newest));
      if (rows.length === 0) return [];
      // The branch's own row last, so a timeline read newest first shows it above its gates'.
      // A run's end is when its change happened; never later than now (another host's clock may run ahead).
      return tx.$queryRaw<Inserted[]>`
        INSERT INTO readiness_change (repository_id, branch, gate, ready, commit_sha, run_id, missing, initial, at)
        SELECT ${repo.id}, x.branch, x.gate, x.ready, x.commit_sha, x.run_id::uuid, ARRAY(SELECT jsonb_array_elements_text(x.missing)), x.initial,
          least(coalesce(x.at, LOCALTIMESTAMP), LOCALTIMESTAMP)
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          AS x(branch text, gate text, ready boolean, commit_sha text, run_id text, missing jsonb, initial boolean, at timestamp(3))
        ORDER BY x.branch, x.gate NULLS LAST
        RETURNING id::text, branch, gate, ready, commit_sha, run_id::text, missing, initial, at`;
    },
    { maxWait: 60_000, timeout: 120_000 },
  );
  const subjects = await subjectsOf(
    repo.id,
    recorded.map((r) => r.commit_sha),
  );
  return {
    checked,
    recorded: recorded.sort(byBranchThenGate).map((r) => ({
      id: r.id,
      repository: repo.name,
      branch: r.branch,
      gate: r.gate,
      ready: r.ready,
      commitSha: r.commit_sha,
      commitSubject: subjects.get(r.commit_sha) ?? null,
      runId: r.run_id,
      missing: r.missing,
      initial: r.initial,
      at: r.at,
    })),
  };
}

/** The branch's own row first, then its gates by id. */
function byBranchThenGate(a: Inserted, b: Inserted): number {
  return a.branch < b.branch
    ? -1
    : a.branch > b.branch
      ? 1
      : a.gate === b.gate
        ? 0
        : a.gate === null
          ? -1
          : b.gate === null
            ? 1
            : a.gate < b.gate
              ? -1
              : 1;
}

/** The newest row of every (branch, gate) of these branches: their verdicts as last recorded. */
async function newestRows(
  tx: Prisma.TransactionClient,
  repositoryId: string,
  branches: string[],
): Promise<Map<string, Newest>> {
  const rows = await tx.$queryRaw<{ branch: string; gate: string | null; ready: boolean; commit_sha: string }[]>`
    SELECT DISTINCT ON (branch, gate) branch, gate, ready, commit_sha FROM readiness_change
    WHERE repository_id = ${repositoryId} AND branch = ANY(${branches}::text[])
    ORDER BY branch, gate, id DESC`;
  return new Map(rows.map((r) => [key(r.branch, r.gate), { ready: r.ready, commitSha: r.commit_sha }]));
}

const key = (branch: string, gate: string | null) => `${gate ?? ""}\u0000${branch}`;

interface Row {
  branch: string;
  gate: string | null;
  ready: boolean;
  commit_sha: string;
  run_id: string | null;
  missing: string[];
  initial: boolean;
  /** ISO time of the cause (the run's end), null: now */
  at: string | null;
}

/** The rows a branch view adds: one per verdict (branch, then each gate) that differs from its newest row. */
function changesOf(v: BranchView, newest: Map<string, Newest>): Row[] {
  const verdicts: { gate: string | null; ready: boolean; missing: string[]; lanes: LaneReadiness[] }[] = [];
  const r: BranchReadiness | null = v.readiness;
  if (!r) {
    // A head whose catalog cannot be read cannot be judged, so it is not release-ready.
    verdicts.push({ gate: null, ready: false, missing: [], lanes: [] });
  } else {
    const release = r.gates.filter((g) => g.gate.release);
    verdicts.push({ gate: null, ready: r.releaseReady, missing: r.missing, lanes: release.flatMap((g) => g.lanes) });
    for (const g of r.gates) verdicts.push({ gate: g.gate.id, ready: g.green, missing: g.missing, lanes: g.lanes });
  }
  const rows: Row[] = [];
  for (const verdict of verdicts) {
    const last = newest.get(key(v.branch.name, verdict.gate));
    if (last && last.ready === verdict.ready) continue;
    // A first verdict has no cause (it is where the record starts), nor has one a new head brought.
    const headMoved = last !== undefined && last.commitSha !== v.branch.headSha;
    const cause = last === undefined || headMoved ? null : causeOf(verdict.ready, verdict.lanes, verdict.missing);
    rows.push({
      branch: v.branch.name,
      gate: verdict.gate,
      ready: verdict.ready,
      commit_sha: v.branch.headSha,
      run_id: cause?.id ?? null,
      missing: verdict.missing,
      initial: last === undefined,
      at: cause ? (cause.finishedAt ?? cause.queuedAt).toISOString().replace("Z", "") : null,
    });
  }
  return rows;
}

/**
 * The run that made a verdict on an unchanged head: for READY the lane that passed last; for NOT
 * READY the run that ended last among the lanes it misses (a lane never run on the head has none).
 * Runs that ended come first: a rerun merely queued decides nothing (computeBranchReadiness).
 */
function causeOf(ready: boolean, lanes: LaneReadiness[], missing: string[]): RunSummary | null {
  const runs = (ready ? lanes : lanes.filter((l) => missing.includes(l.lane))).flatMap((l) =>
    l.headRun ? [l.headRun] : [],
  );
  const ended = runs.filter((r) => r.finishedAt !== null);
  const when = (run: RunSummary) => (run.finishedAt ?? run.queuedAt).getTime();
  return (ended.length ? ended : runs).reduce<RunSummary | null>(
    (best, r) => (!best || when(r) > when(best) ? r : best),
    null,
  );
}

async function subjectsOf(repositoryId: string, shas: string[]): Promise<Map<string, string>> {
  if (shas.length === 0) return new Map();
  const rows = await db().commit.findMany({
    where: { repositoryId, sha: { in: [...new Set(shas)] } },
    select: { sha: true, subject: true },
  });
  return new Map(rows.map((c) => [c.sha, c.subject]));
}

export interface RecorderLoop {
  stop(): void;
}

/**
 * The recorder as the web process runs it: every `everyMs`, the branches touched since the last
 * pass (looking `overlapMs` further back, for a run whose end committed after a later one's); every
 * `sweepEveryMs`, and first of all, every live branch, which catches what happened while no web
 * process ran and catalog changes no run or push reveals (a site overlay).
 */
export function startReadinessRecorder(
  opts: { everyMs?: number; sweepEveryMs?: number; overlapMs?: number; onError?: (err: unknown) => void } = {},
): RecorderLoop {
  const { everyMs = 2000, sweepEveryMs = 5 * 60_000, overlapMs = 60_000 } = opts;
  let since: Date | undefined;
  let lastSweep = 0;
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const sweep = since === undefined || Date.now() - lastSweep >= sweepEveryMs;
      const r = await recordReadinessChanges(sweep ? {} : { since: new Date(since!.getTime() - overlapMs) });
      since = r.startedAt;
      if (sweep) lastSweep = Date.now();
    } catch (err) {
      opts.onError?.(err);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  void tick();
  return { stop: () => clearInterval(timer) };
}
