import type { Run } from "@proofboard/db";
import {
  attemptKind,
  heldSeconds,
  laneSeconds,
  runOriginLabel,
  type LaneReadiness,
  type RunSummary,
} from "@proofboard/domain";

/** Plain JSON shapes for the wire: no transformer, so dates travel as ISO strings. */

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * A run's duration is its lane's time (started → lane end), never its hold's: clients show
 * `durationSeconds` as the duration and `heldSeconds` (null when not held) apart from it.
 */
const times = (r: Pick<RunSummary, "startedAt" | "finishedAt" | "laneEndedAt">) => ({
  laneEndedAt: iso(r.laneEndedAt ?? null),
  durationSeconds: laneSeconds(r),
  heldSeconds: heldSeconds(r),
});

/** "rerun by olga", "queued by push to main", "automatic retry 2 of 3 after an infrastructure fault". */
export function runOrigin(
  r: Pick<Run, "trigger" | "triggerDetail" | "requestedBy" | "attempt" | "branchName">,
): string {
  return runOriginLabel({
    trigger: r.trigger,
    triggerDetail: r.triggerDetail,
    requestedBy: r.requestedBy,
    attempt: r.attempt,
    branch: r.branchName,
  });
}

export function runDto(r: Run) {
  return {
    id: r.id,
    lane: r.lane,
    branch: r.branchName,
    commitSha: r.commitSha,
    attempt: r.attempt,
    previousRunId: r.previousRunId,
    status: r.status,
    failureKind: r.failureKind,
    reason: r.reason,
    exitCode: r.exitCode,
    argv: r.argv,
    hostClass: r.hostClass,
    timeoutSeconds: r.timeoutSeconds,
    catalogSource: r.catalogSource,
    requestedBy: r.requestedBy,
    /** who or what started it (domain run-origin.ts RUN_TRIGGERS) and that said in words, e.g. "rerun by olga" */
    trigger: r.trigger,
    triggerDetail: r.triggerDetail,
    origin: runOrigin(r),
    /** "first", "rerun" (somebody or something asked again) or "retry" (automatic, after an infrastructure fault) */
    attemptKind: attemptKind(r),
    queuedAt: r.queuedAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    ...times(r),
    holdSeconds: r.holdSeconds,
    holdUntil: iso(r.holdUntil),
  };
}
export type RunDto = ReturnType<typeof runDto>;

/** A row of the runs list: the run and the name of the host it ran on (null until a host claims it). */
export function runListDto(r: Run & { host: { name: string } | null }) {
  return { ...runDto(r), hostName: r.host?.name ?? null };
}

export function runSummaryDto(r: RunSummary | null) {
  if (!r) return null;
  return {
    id: r.id,
    commitSha: r.commitSha,
    status: r.status,
    attempt: r.attempt,
    queuedAt: r.queuedAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    ...times(r),
    failureKind: r.failureKind ?? null,
    reason: r.reason ?? null,
  };
}

export function laneReadinessDto(l: LaneReadiness) {
  return {
    lane: l.lane,
    state: l.state,
    flaky: l.flaky,
    headRun: runSummaryDto(l.headRun),
    /** a newer run under way on the head: the verdict of `headRun` stands until it ends */
    rerun: runSummaryDto(l.rerun),
    stalePass: runSummaryDto(l.stalePass),
  };
}

/**
 * What the overview shows of a lane: its state and the run its chip links to. The overview carries
 * 500 branches × their gates' lanes, so the rest of each run stays on the branch page.
 */
export function laneGlanceDto(l: LaneReadiness) {
  const stale = l.stalePass;
  return {
    lane: l.lane,
    state: l.state,
    flaky: l.flaky,
    headRun: l.headRun ? { id: l.headRun.id, status: l.headRun.status } : null,
    rerun: l.rerun ? { id: l.rerun.id, status: l.rerun.status } : null,
    stalePass: stale
      ? {
          id: stale.id,
          commitSha: stale.commitSha,
          queuedAt: stale.queuedAt.toISOString(),
          finishedAt: iso(stale.finishedAt),
        }
      : null,
  };
}
