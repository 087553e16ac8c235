import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Redis } from "ioredis";
import { failureKindOf, type RunStatus } from "@proofboard/domain";
import { db } from "@proofboard/db";
import { publishStatus } from "@proofboard/jobs";
import { claimRun, finishRun, mirrorFor, retryAfterInfrastructureFault, type Claim, type Outcome } from "@proofboard/services";
import { ConsoleWriter } from "./console-writer";
import type { HostCapabilities } from "./host";
import { runLaneProcess, type LaneProcessResult } from "./spawn-lane";

export interface LaneContext {
  hostId: string;
  hostName: string;
  capabilities: HostCapabilities;
  workDir: string;
  redis: Redis;
  /** aborted when the worker shuts down */
  signal: AbortSignal;
}

/** Environment a lane sees: the worker's own secrets (database, Redis) stay out. */
function laneEnv(claim: Claim): Record<string, string> {
  const keep = ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "TERM"];
  const out: Record<string, string> = {};
  for (const k of keep) {
    const v = process.env[k];
    if (v !== undefined) out[k] = v;
  }
  out.PROOFBOARD_RUN_ID = claim.run.id;
  out.PROOFBOARD_LANE = claim.run.lane;
  out.PROOFBOARD_COMMIT = claim.run.commitSha;
  out.PROOFBOARD_ATTEMPT = String(claim.run.attempt);
  return out;
}

function outcomeOf(r: LaneProcessResult, timeoutSeconds: number): Outcome {
  const status: Exclude<RunStatus, "queued" | "running"> = r.spawnError
    ? "error"
    : r.timedOut
      ? "timed_out"
      : r.canceled
        ? "lost"
        : r.exitCode === 0
          ? "passed"
          : "failed";
  const reason = r.spawnError
    ? `the lane's command could not start: ${r.spawnError.message}`
    : r.timedOut
      ? `exceeded its timeout of ${timeoutSeconds}s; its process group was killed`
      : r.canceled
        ? "the worker shut down while the lane ran"
        : status === "failed"
          ? r.signal
            ? `killed by ${r.signal}`
            : `exited with ${r.exitCode}`
          : null;
  return { status, failureKind: failureKindOf(status), exitCode: r.exitCode, reason };
}

/** The run-lane job: idempotent, since a run that is not queued any more is left alone. */
export async function runLane(runId: string, ctx: LaneContext): Promise<RunStatus | null> {
  const claim = await claimRun(runId, ctx.hostId, { host: ctx.hostName, ...ctx.capabilities });
  if (!claim) return null;
  const fence = { runId, fence: claim.fence };
  await publishStatus(ctx.redis, runId, "running");

  const repo = await db().repository.findUniqueOrThrow({ where: { id: claim.run.repositoryId } });
  const worktree = path.join(ctx.workDir, "runs", `${runId}-${claim.fence}`);
  const harness = new ConsoleWriter(fence, "harness", ctx.redis);
  let outcome: Outcome;
  try {
    const mirror = mirrorFor(repo);
    await mirror.ensure();
    await mirror.fetch();
    await mkdir(path.dirname(worktree), { recursive: true });
    await mirror.addWorktree(claim.run.commitSha, worktree);
    const result = await runLaneProcess({
      argv: claim.run.argv,
      cwd: worktree,
      env: laneEnv(claim),
      timeoutMs: claim.run.timeoutSeconds * 1000,
      onOutput: (d) => harness.write(d),
      signal: ctx.signal,
    });
    outcome = outcomeOf(result, claim.run.timeoutSeconds);
  } catch (err) {
    outcome = { status: "error", failureKind: "infrastructure", exitCode: null, reason: (err as Error).message.slice(0, 2000) };
  }
  try {
    await harness.close();
  } catch (err) {
    outcome = { status: "error", failureKind: "infrastructure", exitCode: outcome.exitCode, reason: `console storage failed: ${(err as Error).message}` };
  }
  await mirrorFor(repo).removeWorktree(worktree).catch(() => rm(worktree, { recursive: true, force: true }));
  if (await finishRun(fence, outcome)) {
    await publishStatus(ctx.redis, runId, outcome.status, true);
    if (outcome.failureKind === "infrastructure") {
      await retryAfterInfrastructureFault(await db().run.findUniqueOrThrow({ where: { id: runId } }));
    }
  }
  return outcome.status;
}
