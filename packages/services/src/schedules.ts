import { db, type Repository } from "@proofboard/db";
import { env } from "@proofboard/env";
import { controlQueue, scheduledLaneJob, syncRepositoryJob } from "@proofboard/jobs";
import { catalogAt } from "./catalogs";
import { logger } from "@proofboard/log";
import { requestLanes } from "./runs";

const PREFIX = "lane:";
const SYNC_PREFIX = "sync-";

/**
 * Records the lanes of the repository's main line that have `triggers.schedule` in
 * `lane_schedule` (lanes that lost their schedule are deleted), then brings the BullMQ job
 * schedulers in line with Postgres. Postgres keeps the schedules so a Redis that lost its data
 * can be given them back without git.
 */
export async function syncSchedules(repo: Repository, syncEverySeconds?: number): Promise<string[]> {
  const main = await db().branch.findFirst({
    where: { repositoryId: repo.id, name: { in: ["main", "master"] }, deletedAt: null },
  });
  if (!main) return [];
  const { catalog } = await catalogAt(repo, main.headSha);
  const wanted = catalog.lanes.filter((l) => l.triggers.schedule);
  await db().$transaction([
    db().laneSchedule.deleteMany({ where: { repositoryId: repo.id, lane: { notIn: wanted.map((l) => l.name) } } }),
    ...wanted.map((l) =>
      db().laneSchedule.upsert({
        where: { repositoryId_lane: { repositoryId: repo.id, lane: l.name } },
        create: { repositoryId: repo.id, lane: l.name, pattern: l.triggers.schedule! },
        update: { pattern: l.triggers.schedule! },
      }),
    ),
  ]);
  await ensureSchedulers(syncEverySeconds ?? env().PROOFBOARD_SYNC_INTERVAL_SECONDS);
  return wanted.map((l) => `${l.name} (${l.triggers.schedule})`);
}

/**
 * Makes Redis hold exactly the job schedulers Postgres implies: one periodic sync per repository
 * and one per `lane_schedule` row. Idempotent (an upsert of an unchanged scheduler changes
 * nothing), so the web and every worker may run it at the same time.
 */
export async function ensureSchedulers(syncEverySeconds: number): Promise<string[]> {
  const queue = controlQueue();
  const repos = await db().repository.findMany({ select: { id: true } });
  const lanes = await db().laneSchedule.findMany();
  const wanted = new Set([
    ...repos.map((r) => `${SYNC_PREFIX}${r.id}`),
    ...lanes.map((l) => `${PREFIX}${l.repositoryId}:${l.lane}`),
  ]);
  for (const s of await queue.getJobSchedulers()) {
    if ((s.key.startsWith(PREFIX) || s.key.startsWith(SYNC_PREFIX)) && !wanted.has(s.key))
      await queue.removeJobScheduler(s.key);
  }
  for (const r of repos) {
    await queue.upsertJobScheduler(
      `${SYNC_PREFIX}${r.id}`,
      { every: syncEverySeconds * 1000 },
      { name: syncRepositoryJob.name, data: { repositoryId: r.id }, opts: syncRepositoryJob.options },
    );
  }
  for (const l of lanes) {
    const key = `${PREFIX}${l.repositoryId}:${l.lane}`;
    // One pattern cron cannot read (the catalog's check is a regex) must not keep the others out.
    await queue
      .upsertJobScheduler(
        key,
        { pattern: l.pattern },
        {
          name: scheduledLaneJob.name,
          data: { repositoryId: l.repositoryId, lane: l.lane },
          opts: scheduledLaneJob.options,
        },
      )
      .catch((err: unknown) => {
        wanted.delete(key);
        logger("schedules").error("lane schedule not set; fix triggers.schedule in the catalog on main", {
          repositoryId: l.repositoryId,
          lane: l.lane,
          pattern: l.pattern,
          err,
        });
      });
  }
  return [...wanted];
}

/** A schedule fired: run the lane on each of its branches' heads, unless it already ran there. */
export async function runScheduledLane(repositoryId: string, lane: string): Promise<string[]> {
  const repo = await db().repository.findUniqueOrThrow({ where: { id: repositoryId } });
  const queued: string[] = [];
  const main = await db().branch.findFirst({
    where: { repositoryId, name: { in: ["main", "master"] }, deletedAt: null },
  });
  if (!main) return queued;
  const def = (await catalogAt(repo, main.headSha)).catalog.lanes.find((l) => l.name === lane);
  for (const name of def?.triggers.branches ?? []) {
    const branch = await db().branch.findUnique({ where: { repositoryId_name: { repositoryId, name } } });
    if (!branch || branch.deletedAt) continue;
    if (await db().run.count({ where: { repositoryId, commitSha: branch.headSha, lane } })) continue;
    const runs = await requestLanes({
      repository: repo.name,
      branch: name,
      lanes: [lane],
      requestedBy: "schedule",
      trigger: "schedule",
      triggerDetail: def?.triggers.schedule ?? undefined,
    });
    queued.push(...runs.map((r) => r.id));
  }
  return queued;
}
