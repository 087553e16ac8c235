import { failureKindOf, type RunStatus } from "@proofboard/domain";
import type { Outcome } from "@proofboard/services";
import type { LaneProcessResult } from "./spawn-lane";

export interface OutcomeInput {
  process: LaneProcessResult;
  timeoutSeconds: number;
  /** why the run was aborted, if it was: a person's cancel, the worker shutting down, or its console spool full */
  aborted: "cancel" | "shutdown" | "storage" | null;
  unsupportedExitCodes: number[];
  /** the harness's last line: the reason a preflight gives */
  lastLine: string | null;
  /** VMs the worker booted that did not pass, as "node02: exited 3" */
  vmFailures: string[];
}

/** How a lane ended, by kind: each kind is shown and retried differently (DESIGN.md). */
export function outcomeOf(o: OutcomeInput): Outcome {
  const p = o.process;
  const make = (status: Exclude<RunStatus, "queued" | "running">, reason: string | null): Outcome => ({
    status,
    failureKind: failureKindOf(status),
    exitCode: p.exitCode,
    reason,
  });
  if (o.aborted === "cancel") return make("canceled", "canceled on request; its processes and VMs were stopped");
  if (o.aborted === "shutdown") return make("lost", "the worker shut down while the lane ran");
  if (o.aborted === "storage")
    return make(
      "error",
      "console storage failed: PostgreSQL stayed away until the worker's spool was full (PROOFBOARD_SPOOL_BYTES); the lane was stopped",
    );
  if (p.timedOut)
    return make("timed_out", `exceeded its timeout of ${o.timeoutSeconds}s; its process group was killed`);
  // A program missing on this host (nix, say) is the host's limit, not a flaky fault: no retry.
  if (p.spawnError && (p.spawnError as NodeJS.ErrnoException).code === "ENOENT") {
    return make("unsupported", `this host cannot run the lane's command: ${p.spawnError.message}`);
  }
  if (p.spawnError) return make("error", `the lane's command could not start: ${p.spawnError.message}`);
  if (p.exitCode !== null && o.unsupportedExitCodes.includes(p.exitCode)) {
    return make("unsupported", `stopped at preflight (exit ${p.exitCode})${o.lastLine ? `: ${o.lastLine}` : ""}`);
  }
  if (p.exitCode !== 0)
    return make(
      "failed",
      p.signal ? `killed by ${p.signal}` : `exited with ${p.exitCode}${o.lastLine ? `: ${o.lastLine}` : ""}`,
    );
  if (o.vmFailures.length) return make("failed", o.vmFailures.join("; "));
  return make("passed", null);
}
