import { db, type Repository } from "@proofboard/db";
import { mirrorFor } from "./repositories";

export interface SyncSummary {
  branches: number;
  added: string[];
  moved: string[];
  deleted: string[];
  rejected: { name: string; reason: string }[];
}

const inFlight = new Map<string, Promise<SyncSummary>>();

/** Refreshes branches and head commits from git; concurrent calls share one sync. */
export function syncRepository(repo: Repository): Promise<SyncSummary> {
  const running = inFlight.get(repo.id);
  if (running) return running;
  const p = doSync(repo).finally(() => inFlight.delete(repo.id));
  inFlight.set(repo.id, p);
  return p;
}

async function doSync(repo: Repository): Promise<SyncSummary> {
  const mirror = mirrorFor(repo);
  try {
    await mirror.ensure();
    await mirror.fetch();
    const { branches, rejected } = await mirror.listBranches();
    const existing = await db().branch.findMany({ where: { repositoryId: repo.id } });
    const byName = new Map(existing.map((b) => [b.name, b]));
    const summary: SyncSummary = { branches: branches.length, added: [], moved: [], deleted: [], rejected };

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
