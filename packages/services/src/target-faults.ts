import { cleanFaultMessage, faultSummary } from "@proofboard/domain";
import { db } from "@proofboard/db";

/**
 * A target repository that cannot be fetched is the target's fault, not a lane's: runs wait for it
 * (README: a target at fault costs a wait). Recorded on the repository so the branch page, the
 * hosts page and the CLI can say so once, instead of one waiting reason per run.
 */

export interface TargetFetchState {
  /** the last fetch of every branch that worked */
  fetchedAt: Date | null;
  fault: { message: string; since: Date; waitingRuns: number } | null;
  /** runs released back to waiting because the target failed them: a commit or a catalog that cannot be read */
  waiting: { count: number; runs: TargetWaitingRun[] };
}

export interface TargetWaitingRun {
  id: string;
  lane: string;
  branchName: string;
  commitSha: string;
  reason: string;
}

/** The hosts page lists the first few; the count says how many more. */
export const TARGET_WAITING_SHOWN = 5;

/** A failed fetch: the message (cleaned and capped: it is the remote's text) replaces the last; "since" keeps the first. */
export async function recordTargetFault(repositoryId: string, message: string): Promise<void> {
  const text = cleanFaultMessage(message);
  await db().$executeRaw`
    UPDATE repository SET target_fault = ${text}, target_fault_at = COALESCE(target_fault_at, now())
    WHERE id = ${repositoryId}`;
}

/** A fetch of every branch worked: the fault, if any, is over. */
export async function clearTargetFault(repositoryId: string): Promise<void> {
  await db().repository.update({
    where: { id: repositoryId },
    data: { targetFetchedAt: new Date(), targetFault: null, targetFaultAt: null },
  });
}

/**
 * The target's fetch state, with the runs that wait for it: released runs whose commit or lane
 * definition could not be read (they are `waiting` with a reason; runs waiting for their needs
 * have none). A catalog that cannot be read is no fetch fault, so those runs are listed either way.
 */
export async function targetFault(repositoryId: string): Promise<TargetFetchState> {
  const repo = await db().repository.findUniqueOrThrow({
    where: { id: repositoryId },
    select: { targetFetchedAt: true, targetFault: true, targetFaultAt: true },
  });
  const released = { repositoryId, status: "waiting" as const, reason: { not: null } };
  const [count, runs] = await Promise.all([
    db().run.count({ where: released }),
    db().run.findMany({
      where: released,
      orderBy: [{ queuedAt: "desc" }, { id: "desc" }],
      take: TARGET_WAITING_SHOWN,
      select: { id: true, lane: true, branchName: true, commitSha: true, reason: true },
    }),
  ]);
  const waiting = { count, runs: runs.map((r) => ({ ...r, reason: r.reason ?? "" })) };
  if (!repo.targetFault) return { fetchedAt: repo.targetFetchedAt, fault: null, waiting };
  return {
    fetchedAt: repo.targetFetchedAt,
    fault: { message: repo.targetFault, since: repo.targetFaultAt ?? new Date(), waitingRuns: count },
    waiting,
  };
}

/** The fetch state as the API sends it: dates as ISO text, and the fault's first line for a banner. */
export async function targetFetchStateDto(repositoryId: string) {
  const state = await targetFault(repositoryId);
  return {
    fetchedAt: state.fetchedAt?.toISOString() ?? null,
    fault: state.fault
      ? { ...state.fault, since: state.fault.since.toISOString(), summary: faultSummary(state.fault.message) }
      : null,
    waiting: state.waiting,
  };
}
