import { PERSON_TRIGGERS, type RequesterFilter, type RunStatus } from "@proofboard/domain";
import { db, type Prisma, type Run } from "@proofboard/db";
import { NotFoundError } from "./errors";

export interface RunFilter {
  repositoryId: string;
  branch?: string;
  lane?: string;
  /** any of these (domain run-filter.ts statusesOf: "failed" is failed, timed_out, lost and error) */
  statuses?: readonly RunStatus[];
  requester?: RequesterFilter;
  /** the name of the host it ran on */
  host?: string;
  /** a run id: the page after it, in the same order (keyset paging, so deep pages stay one index range) */
  before?: string;
  limit?: number;
}

/** A listed run and the name of the host that claimed it (null while none has). */
export type ListedRun = Run & { host: { name: string } | null };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function requesterWhere(r: RequesterFilter | undefined): Prisma.RunWhereInput {
  if (!r) return {};
  if ("trigger" in r) return { trigger: r.trigger };
  return { trigger: { in: [...PERSON_TRIGGERS] }, requestedBy: r.person };
}

/**
 * Runs newest first (queued_at, then id, so a page boundary between two runs queued in the same
 * millisecond is exact). Each filter has a (repository_id, filter, queued_at) index (migrations
 * 20261127070000 and 20261210100000): the planner reads the newest rows of the narrowest one.
 */
export async function listRuns(f: RunFilter): Promise<ListedRun[]> {
  // A filter naming a branch that never existed is a typo worth saying, not an empty list.
  if (
    f.branch &&
    !(await db().branch.findUnique({
      where: { repositoryId_name: { repositoryId: f.repositoryId, name: f.branch } },
      select: { id: true },
    }))
  ) {
    throw new NotFoundError("branch", f.branch);
  }
  let hostId: string | undefined;
  if (f.host !== undefined) {
    const host = await db().host.findUnique({ where: { name: f.host }, select: { id: true } });
    // No host of that name ever registered, so none of the runs ran there.
    if (!host) return [];
    hostId = host.id;
  }
  let cursor: { queuedAt: Date; id: string } | null = null;
  if (f.before !== undefined) {
    cursor = UUID.test(f.before)
      ? await db().run.findUnique({ where: { id: f.before }, select: { queuedAt: true, id: true } })
      : null;
    if (!cursor) throw new NotFoundError("run", f.before);
  }
  const where: Prisma.RunWhereInput = {
    repositoryId: f.repositoryId,
    branchName: f.branch,
    lane: f.lane,
    status: f.statuses ? { in: [...f.statuses] } : undefined,
    hostId,
    ...requesterWhere(f.requester),
    // The redundant `<=` bounds the index range; the OR alone would be a filter over every newer row.
    ...(cursor && {
      AND: [
        { queuedAt: { lte: cursor.queuedAt } },
        { OR: [{ queuedAt: { lt: cursor.queuedAt } }, { id: { lt: cursor.id } }] },
      ],
    }),
  };
  return db().run.findMany({
    where,
    include: { host: { select: { name: true } } },
    orderBy: [{ queuedAt: "desc" }, { id: "desc" }],
    take: Math.min(f.limit ?? 50, 500),
  });
}

/** The ids in [lo, hi] on the primary key (a run id prefix's range), at most `take`. */
export async function runIdsBetween(lo: string, hi: string, take: number): Promise<string[]> {
  const rows = await db().run.findMany({
    where: { id: { gte: lo, lte: hi } },
    select: { id: true },
    orderBy: { id: "asc" },
    take,
  });
  return rows.map((r) => r.id);
}

export interface RunningOnHost {
  id: string;
  lane: string;
  branchName: string;
  hostId: string | null;
  startedAt: Date | null;
}

/** What each of these hosts runs now, oldest start first. */
export async function runningOnHosts(hostIds: readonly string[]): Promise<RunningOnHost[]> {
  return db().run.findMany({
    where: { status: "running", hostId: { in: [...hostIds] } },
    select: { id: true, lane: true, branchName: true, hostId: true, startedAt: true },
    orderBy: { startedAt: "asc" },
  });
}
