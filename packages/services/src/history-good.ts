import { db, Prisma } from "@proofboard/db";

/** Where the good run was found: on this run's first-parent line (itself first), its branch, or any branch. */
export type GoodScope = "ancestor" | "branch" | "any-branch";
/** Whether the good run finished before this run did, or (none did) after it. */
export type GoodWhen = "before" | "after";

export interface GoodRunPick {
  id: string;
  scope: GoodScope;
  when: GoodWhen;
}

interface FailingRun {
  id: string;
  lane: string;
  branchName: string;
  finishedAt: Date | null;
}

/**
 * Which pass of the lane a failing run is compared with. "Compare with last good" and the console
 * diff both ask here, so the two never disagree. The rule, as a release engineer asks "what changed
 * since it last worked?":
 *
 * 1. Time: the latest pass that finished before this run finished; only if there is none, the
 *    earliest pass that finished after it. Finished, not queued: the demo seed (like a push) queues
 *    every branch's lanes at once, so a feature branch's failure can end 18 s before main's pass of
 *    the same lane; cutting off at the failure's queue time found no pass at all.
 * 2. Within either, place: the nearest first-parent ancestor of this run's commit (the commit
 *    itself first), whose commits between are the suspects; else this run's branch; else any.
 *
 * A run that never recorded its end (lost) is cut off now: every pass so far counts as before.
 */
export async function pickGoodRun(
  repositoryId: string,
  run: FailingRun,
  ancestry: readonly string[],
): Promise<GoodRunPick | null> {
  const cutoff = run.finishedAt ?? new Date();
  for (const when of ["before", "after"] as const) {
    const ancestral = await onAncestry(repositoryId, run, ancestry, cutoff, when);
    if (ancestral) return { id: ancestral, scope: "ancestor", when };
    for (const [scope, branchName] of [
      ["branch", run.branchName],
      ["any-branch", undefined],
    ] as const) {
      const found = await db().run.findFirst({
        where: {
          repositoryId,
          lane: run.lane,
          status: "passed",
          branchName,
          id: { not: run.id },
          finishedAt: when === "before" ? { lte: cutoff } : { gt: cutoff },
        },
        orderBy: [{ finishedAt: when === "before" ? "desc" : "asc" }, { id: "asc" }],
        select: { id: true },
      });
      if (found) return { id: found.id, scope, when };
    }
  }
  return null;
}

/** The pass nearest `cutoff` (on `when`'s side) on the nearest of `ancestry`'s commits that has one. */
async function onAncestry(
  repositoryId: string,
  run: FailingRun,
  ancestry: readonly string[],
  cutoff: Date,
  when: GoodWhen,
) {
  if (ancestry.length === 0) return null;
  const side = when === "before" ? Prisma.sql`finished_at <= ${cutoff}` : Prisma.sql`finished_at > ${cutoff}`;
  const order = when === "before" ? Prisma.sql`finished_at DESC, id` : Prisma.sql`finished_at ASC, id`;
  const [nearest] = await db().$queryRaw<{ id: string }[]>`
    SELECT p.id::text AS id
    FROM unnest(${[...ancestry]}::text[]) WITH ORDINALITY AS a(sha, i)
    CROSS JOIN LATERAL (
      SELECT id FROM run
      WHERE repository_id = ${repositoryId} AND commit_sha = a.sha AND lane = ${run.lane} AND status = 'passed'
        AND ${side} AND id <> ${run.id}::uuid
      ORDER BY ${order} LIMIT 1
    ) p
    ORDER BY a.i LIMIT 1`;
  return nearest?.id ?? null;
}
