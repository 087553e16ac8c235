import { db, type Repository } from "@proofboard/db";
import { NotFoundError } from "./errors";
import { firstParentLog } from "./history";
import { pickGoodRun } from "./history-good";
import { runFields, side, type RunRow } from "./history-runs";
import { readingCommits } from "./mirror-commits";

type Repo = Pick<Repository, "id" | "name" | "url">;

const BETWEEN_MAX = 50;

/** How the good commit relates to the bad one, and what landed between them on the first-parent line. */
async function commitsBetween(repo: Repo, good: string, bad: string) {
  if (good === bad) return { relation: "same-commit" as const, commits: [], truncated: false, error: null };
  try {
    const ancestor = await readingCommits(repo, [good, bad], (mirror) => mirror.isAncestor(good, bad));
    // Even off the line (another branch, a force-push), good..bad still says what the bad side adds.
    const log = await firstParentLog(repo, { from: good, to: bad }, BETWEEN_MAX + 1);
    const relation = ancestor ? ("ancestor" as const) : ("not-ancestor" as const);
    return { relation, commits: log.slice(0, BETWEEN_MAX), truncated: log.length > BETWEEN_MAX, error: null };
  } catch (err) {
    return {
      relation: "unknown" as const,
      commits: [],
      truncated: false,
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

/** How far back along the failing commit's first parents a last good run is looked for. */
const ANCESTRY_MAX = 200;

/** A failing run next to the lane's good run that explains it best (see pickGoodRun): what changed in code, host and time. */
export async function compareWithLastGood(runId: string) {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const found = uuid.test(runId)
    ? await db().run.findUnique({ where: { id: runId }, select: { ...runFields, repositoryId: true } })
    : null;
  if (!found) throw new NotFoundError("run", runId);
  const { repositoryId, ...run } = found;
  const repo = await db().repository.findUniqueOrThrow({ where: { id: repositoryId } });
  // The nearest first-parent ancestor that passed says most: what lies between is the suspect.
  const ancestry = await firstParentLog(repo, { to: run.commitSha }, ANCESTRY_MAX).catch(() => []);
  const pick = await pickGoodRun(
    repo.id,
    run,
    ancestry.map((c) => c.sha),
  );
  const good: RunRow | null = pick && (await db().run.findUnique({ where: { id: pick.id }, select: runFields }));
  const bad = side(run);
  const subjects = await db().commit.findMany({
    where: { repositoryId: repo.id, sha: { in: [run.commitSha, ...(good ? [good.commitSha] : [])] } },
    select: { sha: true, subject: true },
  });
  // Only branch heads have commit rows; git's log knows the subjects of the commits between.
  const subjectOf = (sha: string) =>
    subjects.find((c) => c.sha === sha)?.subject ?? ancestry.find((c) => c.sha === sha)?.subject ?? null;
  const thisRun = { ...bad, subject: subjectOf(bad.commitSha) };
  if (!good || !pick) {
    return {
      run: thisRun,
      good: null,
      scope: null,
      when: null,
      gapSeconds: null,
      between: null,
      hostDifferences: [],
      durationDeltaSeconds: null,
    };
  }
  const before = side(good);
  // How far apart the two ends are, whole seconds: "passed 18 s after this run".
  const end = run.finishedAt ?? new Date();
  const gapSeconds = good.finishedAt ? Math.round(Math.abs(end.getTime() - good.finishedAt.getTime()) / 1000) : null;
  const keys = [...new Set([...Object.keys(before.fingerprint), ...Object.keys(bad.fingerprint)])].sort();
  return {
    run: thisRun,
    good: { ...before, subject: subjectOf(before.commitSha) },
    scope: pick.scope,
    when: pick.when,
    gapSeconds,
    between: await commitsBetween(repo, good.commitSha, run.commitSha),
    hostDifferences: keys
      .map((key) => ({ key, good: before.fingerprint[key] ?? null, bad: bad.fingerprint[key] ?? null }))
      .filter((d) => d.good !== d.bad),
    durationDeltaSeconds: bad.seconds !== null && before.seconds !== null ? bad.seconds - before.seconds : null,
  };
}
