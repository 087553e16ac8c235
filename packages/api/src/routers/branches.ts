import { z } from "zod";
import { componentCoverage, estimateVerdict, retryStartsIn, runUnderWay, type LaneReadiness } from "@proofboard/domain";
import { env } from "@proofboard/env";
import { runJobDueAt } from "@proofboard/jobs";
import {
  branchMetrics,
  defaultCatalog,
  branchByName,
  branchView,
  liveHostCapacity,
  overviewPage,
  repositoryByName,
  syncRepository,
  targetFetchStateDto,
  usualDurations,
  waitingReason,
  type BranchView,
} from "@proofboard/services";
import { laneGlanceDto, laneReadinessDto } from "../dto";
import { CONTROL_CHARACTER, nameInput } from "../names";
import { operatorProcedure, readProcedure, router } from "../trpc";

const repoInput = z.object({ repository: nameInput(200).optional() });
const overviewInput = repoInput.extend({
  /** branch names containing this text, case-insensitively; plain text, never a pattern */
  filter: z
    .string()
    .max(255)
    .refine((s) => !CONTROL_CHARACTER.test(s), { message: "must not contain control characters" })
    .optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
});
/** Branch names come from outside: bounded, never interpreted. */
const branchName = nameInput(255);

function gateSummary(v: BranchView) {
  return (v.readiness?.gates ?? []).map((g) => ({
    id: g.gate.id,
    name: g.gate.name,
    description: g.gate.description,
    release: g.gate.release,
    green: g.green,
    lanes: g.lanes.map(laneReadinessDto),
    missing: g.missing,
  }));
}

/** A gate as an overview row shows it; names and descriptions come once, in `releaseGates`. */
function gateGlance(v: BranchView) {
  return (v.readiness?.gates ?? []).map((g) => ({
    id: g.gate.id,
    release: g.gate.release,
    green: g.green,
    lanes: g.lanes.map(laneGlanceDto),
    missing: g.missing,
  }));
}

function branchHeader(v: BranchView) {
  return {
    name: v.branch.name,
    headSha: v.branch.headSha,
    updatedAt: v.branch.updatedAt.toISOString(),
    commit: v.commit ? { ...v.commit, committedAt: v.commit.committedAt.toISOString() } : null,
    catalogSource: v.catalogSource,
    catalogError: v.catalogError,
    releaseReady: v.readiness?.releaseReady ?? false,
    missing: v.readiness?.missing ?? [],
  };
}

export const branchesRouter = router({
  /**
   * The readiness overview: one row per branch × release gates, in the overview's order (main,
   * release/*, then the most recently moved). `limit` asks for the first rows only (the page asks
   * for 100); `total` says how many the filter admits.
   */
  list: readProcedure.input(overviewInput.optional()).query(async ({ input }) => {
    const repo = await repositoryByName(input?.repository);
    const { total, views } = await overviewPage(repo, { filter: input?.filter || undefined, limit: input?.limit });
    const fallback = await defaultCatalog();
    const gates = (views.find((v) => v.catalog)?.catalog ?? fallback.catalog).gates.filter((g) => g.release);
    return {
      repository: {
        name: repo.name,
        url: repo.url,
        lastSyncedAt: repo.lastSyncedAt?.toISOString() ?? null,
        lastSyncError: repo.lastSyncError,
        targetFault: (await targetFetchStateDto(repo.id)).fault,
      },
      releaseGates: gates.map((g) => ({ id: g.id, name: g.name, description: g.description, lanes: g.lanes })),
      total,
      branches: views.map((v) => ({ ...branchHeader(v), gates: gateGlance(v) })),
    };
  }),

  /** One branch: every lane of the head commit's catalog, grouped by the page. */
  get: readProcedure.input(repoInput.extend({ name: branchName })).query(async ({ input }) => {
    const repo = await repositoryByName(input.repository);
    const view = await branchView(repo, await branchByName(repo, input.name));
    const usual = await usualDurations(repo.id, view.catalog?.lanes ?? []);
    const waitingByClass = new Map<string, string>();
    /** queued runs held back on purpose (a backed-off automatic retry): when they start, not which host they wait for */
    const delayed = new Map<string, string>();
    for (const lane of view.catalog?.lanes ?? []) {
      // the run under way may be a rerun behind a standing verdict: it waits for a host all the same
      const head = runUnderWay(view.readiness?.lanes[lane.name]);
      if (head?.status !== "queued" && head?.status !== "waiting") continue;
      const due = head?.status === "queued" ? await runJobDueAt(head.id, lane.host).catch(() => null) : null;
      const startsIn = due ? retryStartsIn(due, new Date()) : null;
      if (startsIn) delayed.set(lane.name, startsIn);
      else if (!waitingByClass.has(lane.host))
        waitingByClass.set(lane.host, await waitingReason(lane.host, env().PROOFBOARD_HOST_TIMEOUT_SECONDS));
    }
    const hosts = await liveHostCapacity(env().PROOFBOARD_HOST_TIMEOUT_SECONDS);
    const verdict =
      view.readiness && view.catalog ? estimateVerdict(view.readiness, view.catalog, usual, new Date(), hosts) : null;
    return {
      ...branchHeader(view),
      verdict,
      /** the target cannot be fetched: runs wait for it (a banner above the lanes) */
      targetFault: (await targetFetchStateDto(repo.id)).fault,
      coverage: view.readiness && view.catalog ? componentCoverage(view.readiness, view.catalog) : [],
      gates: gateSummary(view),
      profiles: view.catalog?.profiles ?? [],
      lanes: (view.catalog?.lanes ?? []).map((lane) => ({
        name: lane.name,
        title: lane.title,
        description: lane.description,
        command: lane.command,
        profile: lane.profile,
        group: lane.group,
        host: lane.host,
        needs: lane.needs,
        covers: lane.covers,
        timeoutSeconds: lane.timeoutSeconds,
        usualSeconds: usual[lane.name] ?? lane.expectedSeconds,
        waiting: delayed.get(lane.name) ?? waitingText(view.readiness?.lanes[lane.name], waitingByClass.get(lane.host)),
        readiness: view.readiness?.lanes[lane.name] ? laneReadinessDto(view.readiness.lanes[lane.name]!) : null,
      })),
    };
  }),

  /** Benchmark lanes' figures on this branch across commits, with regressions flagged. */
  metrics: readProcedure.input(repoInput.extend({ name: branchName })).query(async ({ input }) => {
    const repo = await repositoryByName(input.repository);
    await branchByName(repo, input.name);
    return branchMetrics(repo.id, input.name);
  }),

  sync: operatorProcedure.input(repoInput.optional()).mutation(async ({ input }) => {
    const repo = await repositoryByName(input?.repository);
    return syncRepository(repo);
  }),
});

/**
 * A run released back to waiting (its commit could not be fetched, or its catalog read) waits for
 * that, not for a host; its full reason is already shown beside the lane, so this stays short.
 */
function waitingText(readiness: LaneReadiness | undefined, forHost: string | undefined): string | null {
  const head = runUnderWay(readiness);
  if (head?.status !== "queued" && head?.status !== "waiting") return null;
  if (head?.status === "waiting" && head.reason?.includes("could not be fetched from the target"))
    return "waiting until the target can be fetched";
  if (head?.status === "waiting" && head.reason) return "waiting until its lane definition can be read";
  return forHost ?? null;
}
