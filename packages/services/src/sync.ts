import { cleanFaultMessage } from "@proofboard/domain";
import { db, type Repository } from "@proofboard/db";
import { catalogAt } from "./catalogs";
import { forgetFailedFetches } from "./mirror-commits";
import { mirrorFor } from "./repositories";
import { requestLanes } from "./runs";
import { clearTargetFault, recordTargetFault } from "./target-faults";
import { TargetFetchError } from "./errors";

export interface SyncSummary {
  branches: number;
  added: string[];
  moved: string[];
  deleted: string[];
  rejected: { name: string; reason: string }[];
  /** push-triggered lanes that could not be queued (e.g. the new head's catalog is invalid) */
  triggerErrors: string[];
}

const inFlight = new Map<string, Promise<SyncSummary>>();

/**
 * Refreshes branches and head commits from git; concurrent calls share one sync. `cause` labels the
 * runs a new head queues: "push" from a push webhook, "sync" from the periodic (or a person's) sync;
 * a call that joins a sync in flight takes that sync's.
 */
export function syncRepository(repo: Repository, cause: "push" | "sync" = "sync"): Promise<SyncSummary> {
  const running = inFlight.get(repo.id);
  if (running) return running;
  const p = doSync(repo, cause).finally(() => inFlight.delete(repo.id));
  inFlight.set(repo.id, p);
  return p;
}

async function doSync(repo: Repository, cause: "push" | "sync"): Promise<SyncSummary> {
  const mirror = mirrorFor(repo);
  try {
    // The target's own fault (a broken ref, a remote that refuses, one that cannot be cloned): recorded
    // for the pages, cleared by the next good fetch.
    await (async () => {
      await mirror.ensure();
      await mirror.fetch();
    })().catch(async (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      await recordTargetFault(repo.id, message);
      // git's words may carry the remote's bytes: the same cleaning as the recorded fault's
      throw new TargetFetchError(`the target ${repo.name} cannot be fetched: ${cleanFaultMessage(message)}`, {
        cause: err,
      });
    });
    await clearTargetFault(repo.id);
    forgetFailedFetches(repo.id);
    const { branches, rejected } = await mirror.listBranches();
    const existing = await db().branch.findMany({ where: { repositoryId: repo.id } });
    const byName = new Map(existing.map((b) => [b.name, b]));
    const summary: SyncSummary = {
      branches: branches.length,
      added: [],
      moved: [],
      deleted: [],
      rejected,
      triggerErrors: [],
    };

    for (const { name, sha } of branches) {
      const known = byName.get(name);
      if (known && known.headSha === sha && !known.deletedAt) continue;
      await recordCommit(repo, sha);
      await db().branch.upsert({
        where: { repositoryId_name: { repositoryId: repo.id, name } },
        create: { repositoryId: repo.id, name, headSha: sha },
        update: { headSha: sha, deletedAt: null },
      });
      (known && !known.deletedAt ? summary.moved : summary.added).push(name);
    }
    const live = new Set(branches.map((b) => b.name));
    const gone = existing.filter((b) => !b.deletedAt && !live.has(b.name));
    if (gone.length) {
      await db().branch.updateMany({ where: { id: { in: gone.map((b) => b.id) } }, data: { deletedAt: new Date() } });
      summary.deleted.push(...gone.map((b) => b.name));
    }
    await db().repository.update({ where: { id: repo.id }, data: { lastSyncedAt: new Date(), lastSyncError: null } });
    for (const name of [...summary.added, ...summary.moved]) {
      await triggerOnPush(repo, name, cause).catch((err: unknown) => {
        summary.triggerErrors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      });
    }
    return summary;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await db().repository.update({ where: { id: repo.id }, data: { lastSyncError: message.slice(0, 2000) } });
    throw err;
  }
}

async function recordCommit(repo: Repository, sha: string): Promise<void> {
  const known = await db().commit.findUnique({ where: { repositoryId_sha: { repositoryId: repo.id, sha } } });
  if (known) return;
  const info = await mirrorFor(repo).commitInfo(sha);
  await db().commit.upsert({
    where: { repositoryId_sha: { repositoryId: repo.id, sha } },
    create: {
      repositoryId: repo.id,
      sha,
      authorName: info.authorName,
      authorEmail: info.authorEmail,
      authoredAt: info.authoredAt,
      committedAt: info.committedAt,
      subject: info.subject,
      message: info.message,
    },
    update: {},
  });
}

/**
 * A new head commit runs the lanes whose catalog entry says `triggers: { push: true }` (the
 * platform runs its eval guards and portable regressions on every relevant change). Never a
 * second run of a lane on a commit that already has one: only a person asks for that.
 */
async function triggerOnPush(repo: Repository, branchName: string, cause: "push" | "sync"): Promise<void> {
  const branch = await db().branch.findUnique({
    where: { repositoryId_name: { repositoryId: repo.id, name: branchName } },
  });
  if (!branch || branch.deletedAt) return;
  const { catalog } = await catalogAt(repo, branch.headSha);
  const wanted = catalog.lanes.filter((l) => l.triggers.push).map((l) => l.name);
  if (!wanted.length) return;
  const already = await db().run.findMany({
    where: { repositoryId: repo.id, commitSha: branch.headSha, lane: { in: wanted } },
    select: { lane: true },
    distinct: ["lane"],
  });
  const lanes = wanted.filter((l) => !already.some((a) => a.lane === l));
  if (lanes.length)
    await requestLanes({ repository: repo.name, branch: branchName, lanes, requestedBy: cause, trigger: cause });
}
