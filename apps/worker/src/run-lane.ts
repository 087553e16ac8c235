import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Redis } from "ioredis";
import { type Lane, type RunStatus } from "@proofboard/domain";
import { db, type Repository } from "@proofboard/db";
import { inherited } from "@proofboard/env";
import { announceStatus } from "@proofboard/jobs";
import {
  catalogAt,
  claimRun,
  fetchMissingCommits,
  mirrorFor,
  releaseRun,
  type Claim,
  type ConsoleVerdict,
  type Outcome,
} from "@proofboard/services";
import type { HostCapabilities } from "./host";
import { outcomeOf } from "./outcome";
import { StorageGaveUp } from "./durable";
import { RunConsoles } from "./run-consoles";
import type { RunControl } from "./run-control";
import { startLaneVms, vmPhase, type GuestAssets, type LaneVmSet } from "./lane-vms";
import { HeldOperations } from "./operations";
import { tailSerialLogs } from "./serial-logs";
import { runLaneProcess } from "./spawn-lane";
import { settleRun } from "./settle-run";
import type { AttemptOwnership, Ownership } from "./ownership/attempt";
import type { LaneSecrets } from "./lane-secrets";

export interface LaneContext {
  hostId: string;
  hostName: string;
  capabilities: HostCapabilities;
  workDir: string;
  redis: Redis;
  /** aborted when the worker shuts down */
  signal: AbortSignal;
  control: RunControl;
  /** a log line about one run, with its run id and attempt as fields */
  runLog: (run: { runId: string; attempt: number }, msg: string, fields?: Record<string, unknown>) => void;
  /** exact ownership of everything an attempt starts (cgroup, owner token, ledger, guardian) */
  ownership: Ownership;
  /** the demo guest for lanes that boot VMs; null (with why) when this host cannot have it */
  guest: () => Promise<GuestAssets | { unavailable: string }>;
  /** the worker host's lane secrets (PROOFBOARD_LANE_SECRETS) */
  secrets: LaneSecrets;
}

/**
 * Environment a lane sees: the worker's own secrets (database, Redis) stay out; the host's lane
 * secrets come in here only, from the worker's memory, never through job data or the run row.
 */
function laneEnv(
  claim: Claim,
  guest: GuestAssets | null,
  lane: Lane | null,
  owner: AttemptOwnership,
  secrets: Record<string, string>,
): Record<string, string> {
  const keep = ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "TERM"];
  // The catalog's (or the site overlay's) environment first, then the host's: Proofboard's own variables win.
  const out: Record<string, string> = { ...lane?.env, ...inherited(keep) };
  Object.assign(out, secrets);
  out.PROOFBOARD_RUN_ID = claim.run.id;
  out.PROOFBOARD_LANE = claim.run.lane;
  out.PROOFBOARD_COMMIT = claim.run.commitSha;
  out.PROOFBOARD_ATTEMPT = String(claim.run.attempt);
  Object.assign(out, owner.env);
  // For harnesses that boot a guest of their own (the demo's quickstart and flake-check lanes).
  if (guest) {
    out.PROOFBOARD_GUEST_KERNEL = guest.kernel;
    out.PROOFBOARD_GUEST_INITRD = guest.initrd;
    out.PROOFBOARD_VM_ACCEL = guest.accel;
  }
  return out;
}

/** The host cannot run this lane: shown as such, never retried by itself. */
class Unsupported extends Error {}

/** Older runs without a lane snapshot whose catalog cannot be read: they wait, never run without their VMs. */
class LaneUnreadable extends Error {}

/**
 * The run needs its own commit, not every branch: a mirror that has it fetches nothing, and one
 * that lacks it falls back from a full fetch to fetching that commit alone, so one broken ref in
 * the target does not fail the run. When the commit cannot be had at all, the target is at fault:
 * the run waits with the reason (LaneUnreadable) instead of ending as an infrastructure error.
 */
async function ensureCommit(repo: Repository, sha: string): Promise<void> {
  const { missing, why } = await fetchMissingCommits(repo, [sha]);
  if (missing.length === 0) return;
  throw new LaneUnreadable(
    `commit ${sha.slice(0, 10)} could not be fetched from the target (${why}); the run waits and is queued again once it can be read`,
  );
}

/** The lane snapshotted when the run was requested (older rows: the commit's catalog); argv and timeout stay the row's. */
async function laneDefinition(repo: Repository, claim: Claim): Promise<{ lane: Lane | null; source: string }> {
  if (claim.run.laneSpec) return { lane: claim.run.laneSpec as unknown as Lane, source: claim.run.catalogSource };
  const resolved = await catalogAt(repo, claim.run.commitSha).catch((err: Error) => {
    throw new LaneUnreadable(
      `the lane definition could not be read (${err.message.slice(0, 1000)}); the run waits and is queued again once the catalog can be read`,
    );
  });
  return {
    lane: resolved?.catalog.lanes.find((l) => l.name === claim.run.lane) ?? null,
    source: resolved?.source ?? claim.run.catalogSource,
  };
}

/** The run-lane job: idempotent, since a run that is not queued any more is left alone. */
export async function runLane(runId: string, ctx: LaneContext): Promise<RunStatus | null> {
  const claim = await claimRun(runId, ctx.hostId, { host: ctx.hostName, ...ctx.capabilities });
  if (!claim) return null;
  const fence = { runId, fence: claim.fence };
  const ids = { runId, attempt: claim.run.attempt };
  ctx.runLog(ids, `${claim.run.lane} started`, {
    lane: claim.run.lane,
    commit: claim.run.commitSha,
    fence: claim.fence,
  });
  await announceStatus(ctx.redis, runId, "running");

  const abort = new AbortController();
  const onShutdown = () => abort.abort("shutdown");
  ctx.signal.addEventListener("abort", onShutdown, { once: true });
  // The worker began stopping while this run was being claimed: it is handed back like any other.
  if (ctx.signal.aborted) onShutdown();
  let vms: LaneVmSet | null = null;
  let ops: HeldOperations | null = null;
  let endHoldNow = () => undefined as void;
  const holdEnded = new Promise<void>((resolve) => (endHoldNow = resolve));
  const unregister = ctx.control.register(runId, {
    cancel: () => abort.abort("cancel"),
    endHold: () => endHoldNow(),
    input: (console, data) => void (ops?.input(console, data) || vms?.write(console, data)),
    operation: (msg) => ops?.handle(msg),
  });
  abort.signal.addEventListener("abort", () => void vms?.killAll(), { once: true });

  const repo = await db().repository.findUniqueOrThrow({ where: { id: claim.run.repositoryId } });
  let owner: AttemptOwnership | null = null;
  const worktree = path.join(ctx.workDir, "runs", `${runId}-${claim.fence}`);
  // Every value in the file, whichever lane it is for, is masked in this run's consoles.
  const secrets = await ctx.secrets.current();
  const consoles = new RunConsoles(fence, ctx.redis, {
    spoolDir: path.join(ctx.workDir, "spool"),
    host: ctx.hostName,
    secrets: secrets.values,
    // with the run and attempt as fields, like every other line about this run
    log: (line) => ctx.runLog(ids, line),
  });
  // A spool that fills up (PostgreSQL away too long) stops the lane: an infrastructure error, not its verdict.
  void consoles.storage.whenFull.then(() => abort.abort("storage"));
  /** each booted VM's own verdict, from its exit status */
  const vmVerdicts = new Map<string, ConsoleVerdict>();
  let outcome;
  try {
    // Before anything starts: whatever this attempt starts is found again by its owner, even after the worker dies.
    owner = await ctx.ownership.attempt(`${runId}.${claim.fence}`);
    const mirror = mirrorFor(repo);
    await ensureCommit(repo, claim.run.commitSha);
    const { lane, source } = await laneDefinition(repo, claim);
    await mkdir(path.dirname(worktree), { recursive: true });
    await mirror.addWorktree(claim.run.commitSha, worktree);
    consoles.expect({ lane, catalogSource: source });
    const deadline = Date.now() + claim.run.timeoutSeconds * 1000;
    const guestOrWhy = await ctx.guest();
    const guest = "unavailable" in guestOrWhy ? null : guestOrWhy;
    if (lane?.vms && !guest)
      throw new Unsupported(
        `this host cannot boot the lane's VMs: ${(guestOrWhy as { unavailable: string }).unavailable}`,
      );
    const hold = claim.run.holdSeconds !== null && lane?.vms != null;
    // Canceled or handed back while it was being set up: no VM boots, and the lane stops at once.
    if (lane?.vms && guest && !abort.signal.aborted) {
      vms = await startLaneVms({
        vms: lane.vms,
        worktree,
        workDir: path.join(worktree, ".proofboard-vms"),
        assets: guest,
        hold,
        consoles,
        owner,
      });
    }
    // The lane and its operations find the booted VMs' state (pid, ssh channel, serial log) here.
    const env = {
      ...laneEnv(claim, guest, lane, owner, secrets.forLane(claim.run.lane)),
      ...(vms ? { PROOFBOARD_VM_STATE: vms.stateDir } : {}),
    };
    if (vms && hold)
      ops = new HeldOperations({
        claim: fence,
        consoles,
        cwd: worktree,
        env,
        available: lane?.operations ?? [],
        endHold: () => endHoldNow(),
        wrap: owner.wrap,
      });
    // Pipes and files wait while storage is behind (VM serial sockets cannot: QEMU would drop bytes).
    const relieved = () => consoles.storage.whenRelieved(abort.signal);
    const logs = lane?.serialLogs
      ? tailSerialLogs(
          worktree,
          lane.serialLogs,
          (name, d) => consoles.writer(name, "file").write(d),
          undefined,
          relieved,
        )
      : null;
    const result = await runLaneProcess({
      argv: claim.run.argv,
      cwd: worktree,
      env,
      timeoutMs: claim.run.timeoutSeconds * 1000,
      onOutput: (d, stream) => consoles.harness(d, stream),
      backpressure: consoles.storage,
      signal: abort.signal,
      wrap: owner.wrap,
    });
    consoles.endOfOutput();
    await logs?.stop();
    const vmVerdict = vms
      ? await vmPhase(vms, {
          runId,
          fence,
          hold: hold ? claim.run.holdSeconds! : 0,
          deadline,
          abort: abort.signal,
          holdEnd: holdEnded,
          redis: ctx.redis,
          operations: ops,
        })
      : null;
    if (vmVerdict?.timedOut) result.timedOut = true;
    for (const name of lane?.vms?.nodes ?? []) {
      vmVerdicts.set(name, vmVerdict?.failures.some((f) => f.startsWith(`${name}: `)) ? "failed" : "passed");
    }
    const reason = abort.signal.reason as unknown;
    outcome = outcomeOf({
      process: result,
      timeoutSeconds: claim.run.timeoutSeconds,
      aborted: reason === "cancel" || reason === "shutdown" || reason === "storage" ? reason : null,
      unsupportedExitCodes: lane?.unsupportedExitCodes ?? [],
      lastLine: consoles.lastHarnessLine(),
      vmFailures: vmVerdict?.failures ?? [],
    });
  } catch (err) {
    if (err instanceof LaneUnreadable) {
      ctx.runLog(ids, `back to waiting: ${err.message}`, { status: "waiting" });
      return await releaseToWaiting(fence, err.message, ctx.redis, consoles);
    }
    outcome =
      err instanceof Unsupported
        ? { status: "unsupported" as const, failureKind: "unsupported" as const, exitCode: null, reason: err.message }
        : {
            status: "error" as const,
            failureKind: "infrastructure" as const,
            exitCode: null,
            reason: (err as Error).message.slice(0, 2000),
          };
    await ops?.closeAll();
    await vms?.killAll();
  } finally {
    unregister();
    ctx.signal.removeEventListener("abort", onShutdown);
    // Children that detached or called setsid end with their attempt, not minutes later.
    await owner?.end().catch(() => 0);
  }
  // Each console's close record is kept as closeAll is called, then the verdict: should the worker
  // stop before PostgreSQL takes them, the spool file holds all the next worker needs to store.
  const closing = consoles.closeAll(vmVerdicts, outcome.status === "passed", ctx.signal);
  const verdictRecord = (o: Outcome) =>
    consoles.storage.keep({
      t: "verdict",
      outcome: o,
      metrics: [...consoles.metrics.values()],
      repositoryId: claim.run.repositoryId,
      commitSha: claim.run.commitSha,
    });
  let verdict = verdictRecord(outcome);
  try {
    await closing;
  } catch (err) {
    outcome = {
      status: "error" as const,
      failureKind: "infrastructure" as const,
      exitCode: outcome.exitCode,
      reason: `console storage failed: ${(err as Error).message}`,
    };
    // Given up (the worker stops while PostgreSQL is away): the lane's own verdict waits in the file.
    if (!(err instanceof StorageGaveUp)) {
      verdict.release();
      verdict = verdictRecord(outcome);
    }
  }
  await mirrorFor(repo)
    .removeWorktree(worktree)
    .catch(() => rm(worktree, { recursive: true, force: true }));
  // Figures, verdict, then watchers and waiting runs; each waits out a PostgreSQL outage.
  await settleRun({
    storage: consoles.storage,
    fence,
    run: claim.run,
    outcome,
    metrics: [...consoles.metrics.values()],
    verdictRecord: verdict,
    redis: ctx.redis,
    stop: ctx.signal,
  });
  ctx.runLog(ids, `${claim.run.lane} ${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ""}`, {
    status: outcome.status,
    exitCode: outcome.exitCode,
  });
  return outcome.status;
}

/** Nothing ran: the run goes back to waiting with the reason (no verdict, no retry); the reconciler queues it again. */
async function releaseToWaiting(
  fence: { runId: string; fence: number },
  reason: string,
  redis: Redis,
  consoles: RunConsoles,
): Promise<RunStatus | null> {
  await consoles.closeAll(new Map(), false).catch(() => undefined);
  await consoles.storage.close();
  if (!(await releaseRun(fence, reason))) return null;
  await announceStatus(redis, fence.runId, "waiting");
  return "waiting";
}
