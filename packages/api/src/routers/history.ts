import { z } from "zod";
import {
  branchGrid,
  compareWithLastGood,
  laneHistory,
  repositoryByName,
  type LogCommit,
  type RunSide,
} from "@proofboard/services";
import { nameInput } from "../names";
import { readProcedure, router } from "../trpc";

/** Names come from outside: bounded, then only ever compared as data. */
const repository = z.string().max(200).optional();
const branchName = nameInput(255);
const laneName = nameInput(200);

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function commitDto(c: LogCommit) {
  return { sha: c.sha, subject: c.subject, authorName: c.authorName, committedAt: c.committedAt.toISOString() };
}

function sideDto(r: RunSide & { subject?: string | null }) {
  return {
    id: r.id,
    lane: r.lane,
    branch: r.branchName,
    commitSha: r.commitSha,
    subject: r.subject ?? null,
    attempt: r.attempt,
    /** who or what started it (domain run-origin.ts) */
    trigger: r.trigger,
    origin: r.origin,
    status: r.status,
    failureKind: r.failureKind,
    reason: r.reason,
    exitCode: r.exitCode,
    queuedAt: r.queuedAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    laneEndedAt: iso(r.laneEndedAt),
    /** lane time; a hold is apart in heldSeconds */
    seconds: r.seconds,
    heldSeconds: r.heldSeconds,
    hostName: r.hostName,
    fingerprint: r.fingerprint,
  };
}

export const historyRouter = router({
  /** Recent first-parent commits of a branch × the lanes of its head's catalog; each cell the latest run. */
  branchGrid: readProcedure
    .input(z.object({ repository, branch: branchName, commits: z.number().int().min(1).max(100).default(20) }))
    .query(async ({ input }) => {
      const repo = await repositoryByName(input.repository);
      const grid = await branchGrid(repo, input.branch, input.commits);
      return { ...grid, commits: grid.commits.map((c) => ({ ...commitDto(c), cells: c.cells, release: c.release })) };
    }),

  /** One lane's durations, flakiness and counts over its last `limit` runs, optionally on one branch. */
  lane: readProcedure
    .input(
      z.object({
        repository,
        lane: laneName,
        branch: branchName.optional(),
        limit: z.number().int().min(1).max(1000).default(200),
      }),
    )
    .query(async ({ input }) => {
      const repo = await repositoryByName(input.repository);
      const h = await laneHistory(repo, input);
      return {
        ...h,
        trend: h.trend.map((t) => ({ ...t, finishedAt: t.finishedAt.toISOString() })),
        recent: h.recent.map((r) => ({ ...sideDto(r), consoleBytes: r.consoleBytes, console: r.console })),
      };
    }),

  /** A run next to its lane's good run (the latest pass before it, else the nearest after): commits between, host and duration differences. */
  compare: readProcedure.input(z.object({ runId: nameInput(64) })).query(async ({ input }) => {
    const c = await compareWithLastGood(input.runId);
    return {
      run: sideDto(c.run),
      good: c.good ? sideDto(c.good) : null,
      /** where the good run was found: the nearest passing ancestor, this run's branch, or (none there) any branch */
      scope: c.scope,
      /** "before": the latest pass that finished before this run; "after": none did, the nearest pass after it */
      when: c.when,
      /** seconds between the two runs' ends */
      gapSeconds: c.gapSeconds,
      between: c.between ? { ...c.between, commits: c.between.commits.map(commitDto) } : null,
      hostDifferences: c.hostDifferences,
      durationDeltaSeconds: c.durationDeltaSeconds,
    };
  }),
});
