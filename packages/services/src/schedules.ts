import { db, type Repository } from "@proofboard/db";
import { controlQueue, scheduledLaneJob } from "@proofboard/jobs";
import { catalogAt } from "./catalogs";
import { requestLanes } from "./runs";

const PREFIX = "lane:";

/**
 * Keeps one BullMQ job scheduler per lane that has `triggers.schedule`, from the catalog on the
 * repository's main line; schedulers of lanes that lost their schedule are removed.
 */
export async function syncSchedules(repo: Repository): Promise<string[]> {
  const main = await db().branch.findFirst({ where: { repositoryId: repo.id, name: { in: ["main", "master"] }, deletedAt: null } });
  if (!main) return [];
  const { catalog } = await catalogAt(repo, main.headSha);
  const queue = controlQueue();
  const wanted = new Map(catalog.lanes.filter((l) => l.triggers.schedule).map((l) => [`${PREFIX}${repo.id}:${l.name}`, l]));
  for (const s of await queue.getJobSchedulers()) {
    if (s.key.startsWith(`${PREFIX}${repo.id}:`) && !wanted.has(s.key)) await queue.removeJobScheduler(s.key);
  }
  for (const [key, lane] of wanted) {
    await queue.upsertJobScheduler(
      key,
      { pattern: lane.triggers.schedule! },
      { name: scheduledLaneJob.name, data: { repositoryId: repo.id, lane: lane.name }, opts: scheduledLaneJob.options },
    );
  }
  return [...wanted.values()].map((l) => `${l.name} (${l.triggers.schedule})`);
}

/** A schedule fired: run the lane on each of its branches' heads, unless it already ran there. */
export async function runScheduledLane(repositoryId: string, lane: string): Promise<string[]> {
  const repo = await db().repository.findUniqueOrThrow({ where: { id: repositoryId } });
  const queued: string[] = [];
  const main = await db().branch.findFirst({ where: { repositoryId, name: { in: ["main", "master"] }, deletedAt: null } });
  if (!main) return queued;
  const def = (await catalogAt(repo, main.headSha)).catalog.lanes.find((l) => l.name === lane);
  for (const name of def?.triggers.branches ?? []) {
    const branch = await db().branch.findUnique({ where: { repositoryId_name: { repositoryId, name } } });
    if (!branch || branch.deletedAt) continue;
    if (await db().run.count({ where: { repositoryId, commitSha: branch.headSha, lane } })) continue;
    const runs = await requestLanes({ repository: repo.name, branch: name, lanes: [lane], requestedBy: "schedule", trigger: "schedule" });
    queued.push(...runs.map((r) => r.id));
  }
  return queued;
}
