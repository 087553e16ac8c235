import type { FailureKind, RunStatus } from "./types";

const TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  // A queued run has no host yet, so it cannot be "lost" (that is a host that stopped heartbeating);
  // a queued run whose job vanished from Redis is put back in the queue and stays queued.
  // waiting: held in Postgres until the lanes it needs pass on the same commit, or one fails.
  waiting: ["queued", "skipped", "canceled"],
  queued: ["running", "canceled"],
  running: ["passed", "failed", "timed_out", "unsupported", "canceled", "lost", "error"],
  passed: [],
  failed: [],
  timed_out: [],
  unsupported: [],
  canceled: [],
  lost: [],
  error: [],
  skipped: [],
};

/** A terminal run never changes again; a rerun is a new run (a new attempt), not a transition. */
export function isTerminal(status: RunStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function failureKindOf(status: RunStatus): FailureKind | null {
  switch (status) {
    case "failed":
      return "test";
    case "timed_out":
      return "timeout";
    case "unsupported":
      return "unsupported";
    case "lost":
    case "error":
      return "infrastructure";
    case "canceled":
      return "canceled";
    case "skipped":
      return "skipped";
    case "waiting":
    case "queued":
    case "running":
    case "passed":
      return null;
  }
}

/**
 * Only an infrastructure fault says nothing about the commit, so only it is worth retrying unasked;
 * retrying a failed test, a timeout or an unsupported host would just repeat the same verdict.
 */
export function retriesByItself(kind: FailureKind | null): boolean {
  return kind === "infrastructure";
}

const LABELS: Record<RunStatus, string> = {
  waiting: "waiting for the lanes it needs",
  queued: "queued",
  running: "running",
  passed: "passed",
  failed: "failed",
  timed_out: "timed out",
  unsupported: "unsupported on this host",
  canceled: "canceled",
  lost: "lost (host stopped heartbeating)",
  error: "infrastructure error",
  skipped: "skipped (a lane it needs failed)",
};

export function statusLabel(status: RunStatus): string {
  return LABELS[status];
}
