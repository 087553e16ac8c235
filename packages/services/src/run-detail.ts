import type { Lane } from "@proofboard/domain";
import { db, type Run } from "@proofboard/db";
import { catalogAt } from "./catalogs";
import { listConsoles } from "./consoles";
import { usualDurations } from "./durations";

/**
 * What a run's page shows around the run row: its repository, the host that claimed it, its
 * commit, consoles, the lane's usual duration on its host class, the lane as the commit's catalog
 * defines it (null when that catalog cannot be read) and who holds its VMs.
 */
export async function runSurroundings(run: Run) {
  const [repo, host, commit, consoles, usual, heldBy, next] = await Promise.all([
    db().repository.findUniqueOrThrow({ where: { id: run.repositoryId } }),
    run.hostId ? db().host.findUnique({ where: { id: run.hostId } }) : null,
    db().commit.findUnique({ where: { repositoryId_sha: { repositoryId: run.repositoryId, sha: run.commitSha } } }),
    listConsoles(run.id),
    usualDurations(run.repositoryId, [{ name: run.lane, host: run.hostClass }]),
    run.heldById ? db().user.findUnique({ where: { id: run.heldById }, select: { name: true } }) : null,
    // The attempt after this one on the same commit (a rerun or an automatic retry), by the unique key.
    db().run.findUnique({
      where: {
        repositoryId_commitSha_lane_attempt: {
          repositoryId: run.repositoryId,
          commitSha: run.commitSha,
          lane: run.lane,
          attempt: run.attempt + 1,
        },
      },
      select: { id: true, attempt: true, status: true, trigger: true },
    }),
  ]);
  const lane: Lane | null = await catalogAt(repo, run.commitSha)
    .then((c) => c.catalog.lanes.find((l) => l.name === run.lane) ?? null)
    .catch(() => null);
  return {
    repo,
    host,
    commit,
    consoles,
    usualSeconds: usual[run.lane] ?? null,
    lane,
    heldBy: heldBy?.name ?? null,
    next,
  };
}
