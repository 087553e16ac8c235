import { isTerminal, runUnderWay } from "@proofboard/domain";
import { db, type Run } from "@proofboard/db";
import { announceStatus, createRedis, enqueueRun } from "@proofboard/jobs";
import { catalogAt } from "./catalogs";
import { NotFoundError } from "./errors";
import { logger } from "@proofboard/log";
import { branchByName, branchView } from "./readiness";
import { repositoryByName } from "./repositories";
import { hostClassOf, requestLanesWithNote, type RequestedRuns } from "./runs";

/**
 * Moves the waiting runs of one commit on: queued once every lane they need passed on that
 * commit, skipped (with the reason) as soon as one of them ended without passing. As readiness
 * judges it: a need's newest final run decides, so a passed need being rerun still counts as
 * passed, and a failed one being rerun is waited for. Idempotent: called after every run ends,
 * after a cancel, and by the reconciler.
 */
export async function advanceWaiting(
  repositoryId: string,
  commitSha: string,
): Promise<{ queued: string[]; skipped: string[] }> {
  const result = { queued: [] as string[], skipped: [] as string[] };
  const repo = await db().repository.findUniqueOrThrow({ where: { id: repositoryId } });
  const { catalog } = await catalogAt(repo, commitSha);
  const redis = createRedis();
  try {
    // A skip can unblock (as a skip) what waited on the skipped lane: go round until nothing moves.
    for (let round = 0; round < catalog.lanes.length + 1; round++) {
      const waiting = await db().run.findMany({ where: { repositoryId, commitSha, status: "waiting" } });
      if (!waiting.length) break;
      const latest = await db().run.findMany({
        where: { repositoryId, commitSha, status: { not: "waiting" } },
        orderBy: [{ lane: "asc" }, { attempt: "desc" }],
        distinct: ["lane"],
        select: { lane: true, status: true },
      });
      const verdicts = await db().run.findMany({
        where: { repositoryId, commitSha, status: { notIn: ["waiting", "queued", "running"] } },
        orderBy: [{ lane: "asc" }, { attempt: "desc" }],
        distinct: ["lane"],
        select: { lane: true, status: true },
      });
      const rerunning = new Set(latest.filter((r) => !isTerminal(r.status)).map((r) => r.lane));
      const statusOf = new Map(verdicts.map((r) => [r.lane, r.status]));
      let moved = false;
      for (const run of waiting) {
        const needs = catalog.lanes.find((l) => l.name === run.lane)?.needs ?? [];
        const failed = needs.find((n) => {
          const s = statusOf.get(n);
          return s !== undefined && s !== "passed" && !rerunning.has(n);
        });
        if (failed) {
          const n = await db().run.updateMany({
            where: { id: run.id, status: "waiting" },
            data: {
              status: "skipped",
              failureKind: "skipped",
              finishedAt: new Date(),
              reason: `not run: ${failed}, which it needs, ended ${statusOf.get(failed)} on this commit`,
            },
          });
          if (n.count) {
            result.skipped.push(run.id);
            await announceStatus(redis, run.id, "skipped", true);
            moved = true;
          }
        } else if (needs.every((n) => statusOf.get(n) === "passed")) {
          // reason: a run released because its catalog could not be read said why; that is over now
          const n = await db().run.updateMany({
            where: { id: run.id, status: "waiting" },
            data: { status: "queued", reason: null },
          });
          if (n.count) {
            await enqueueRun(run.id, hostClassOf(run));
            result.queued.push(run.id);
            await announceStatus(redis, run.id, "queued");
            moved = true;
          }
        }
      }
      if (!moved) break;
    }
  } finally {
    redis.disconnect();
  }
  return result;
}

/** Every commit with waiting runs, for the reconciler. */
export async function advanceAllWaiting(): Promise<void> {
  const commits = await db().run.findMany({
    where: { status: "waiting" },
    distinct: ["repositoryId", "commitSha"],
    select: { repositoryId: true, commitSha: true },
  });
  for (const c of commits) {
    // a commit whose catalog cannot be read (yet) keeps its runs waiting; the others still move on
    await advanceWaiting(c.repositoryId, c.commitSha).catch((err: Error) => {
      logger("reconciler").warn("waiting runs stay waiting", {
        repositoryId: c.repositoryId,
        commit: c.commitSha,
        reason: err.message.slice(0, 300),
      });
    });
  }
}

/**
 * "Rerun what is missing": the lanes of a gate (or of every release gate) not green on the head
 * and not already under way, with the lanes they need; nothing that passed is run again.
 */
export async function requestMissing(req: MissingRequest): Promise<Run[]> {
  return (await requestMissingWithNote(req)).runs;
}

interface MissingRequest {
  repository?: string;
  branch: string;
  gate?: string;
  requestedBy?: string;
}

/** requestMissing, plus the note a person should see (queued while Redis is down: saved, dispatched later). */
export async function requestMissingWithNote(req: MissingRequest): Promise<RequestedRuns> {
  const repo = await repositoryByName(req.repository);
  const branch = await branchByName(repo, req.branch);
  // An invalid head catalog throws its own CatalogError (file:line): "nothing to queue" would hide it.
  await catalogAt(repo, branch.headSha);
  const view = await branchView(repo, branch);
  if (!view.readiness) return { runs: [], note: null };
  const gates = view.readiness.gates.filter((g) => (req.gate ? g.gate.id === req.gate : g.gate.release));
  if (req.gate && !gates.length) throw new NotFoundError("gate", req.gate);
  // a failed lane whose rerun is queued or running is under way too: queuing it again would run it twice
  const idle = (lane: string) => runUnderWay(view.readiness!.lanes[lane]) === null;
  const lanes = [...new Set(gates.flatMap((g) => g.missing))].filter(idle);
  if (!lanes.length) return { runs: [], note: null };
  return requestLanesWithNote({
    repository: req.repository,
    branch: req.branch,
    lanes,
    requestedBy: req.requestedBy,
    trigger: "missing",
  });
}
