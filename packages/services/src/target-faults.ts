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
}

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
 * The target's fetch state, with how many runs wait for it: released runs whose commit or lane
 * definition could not be read (they are `waiting` with a reason; runs waiting for their needs
 * have none).
 */
export async function targetFault(repositoryId: string): Promise<TargetFetchState> {
  const repo = await db().repository.findUniqueOrThrow({
    where: { id: repositoryId },
    select: { targetFetchedAt: true, targetFault: true, targetFaultAt: true },
  });
  if (!repo.targetFault) return { fetchedAt: repo.targetFetchedAt, fault: null };
  const waitingRuns = await db().run.count({ where: { repositoryId, status: "waiting", reason: { not: null } } });
  return {
    fetchedAt: repo.targetFetchedAt,
    fault: { message: repo.targetFault, since: repo.targetFaultAt ?? new Date(), waitingRuns },
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
  };
}
