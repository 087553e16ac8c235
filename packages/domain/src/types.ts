/** Shared vocabulary of Proofboard (README: What you see). Pure types, no I/O. */

/** What a host must offer for a lane to run there; ordered from most to least demanding. */
export const HOST_CLASSES = ["nested-kvm", "kvm", "tcg"] as const;
export type HostClass = (typeof HOST_CLASSES)[number];

export const LANE_GROUPS = ["publishable", "regression-guard", "portable", "quickstart", "benchmark"] as const;
export type LaneGroup = (typeof LANE_GROUPS)[number];

export interface Profile {
  id: string;
  name: string;
  outputs: string[];
  requiredComponents: string[];
  optionalComponents: string[];
  /** qualifiers the component lists cannot carry (e.g. "nix-agent on every control-plane node") */
  notes?: string;
  /** commands a holder may run on a held cluster of any lane of this profile */
  operations: LaneOperation[];
}

/**
 * A command that acts on a held run's cluster (`testing.md`'s Operational Commands: status,
 * logs NODE, ssh NODE, stop, clean). argv elements may hold `{node}`, replaced by one of the
 * run's VM console names; never a shell string.
 */
export interface LaneOperation {
  name: string;
  title: string;
  command: string[];
  /** the operation takes a VM name (its command holds `{node}`) */
  perNode: boolean;
  /** running it ends the hold once it exits (stop, clean) */
  endsHold: boolean;
}

export interface Lane {
  name: string;
  title: string;
  description: string;
  /** argv, never a shell string */
  command: string[];
  profile: string | null;
  group: LaneGroup;
  host: HostClass;
  timeoutSeconds: number;
  /** console names the lane produces besides `harness` (e.g. node01..node06) */
  consoles: string[];
  /** platform components the lane proves */
  covers: string[];
  /** lanes that must pass first on the same commit */
  needs: string[];
  /** typical duration, for "elapsed vs usual" until history exists */
  expectedSeconds: number | null;
  /** VMs the worker boots itself, one serial console each */
  vms: LaneVms | null;
  /** glob, relative to the lane's working folder, of serial logs the harness writes */
  serialLogs: string | null;
  /** exit codes by which the harness says it stopped at its preflight: unsupported, not failed */
  unsupportedExitCodes: number[];
  /** when the lane runs by itself, besides by hand */
  triggers: LaneTriggers;
  /** extra environment for the lane's process (site overlays put host paths here) */
  env: Record<string, string>;
  /** literal text that marks a failure in a console, besides the built-in markers */
  failureMarkers: string[];
  /** commands for a held run, the lane's own and its profile's (the lane's win by name) */
  operations: LaneOperation[];
  /** days its runs' console bytes are kept; "forever"; null or absent: the site's default */
  consoleRetentionDays?: number | "forever" | null;
}

export interface LaneTriggers {
  /** on every new head commit of a branch */
  push: boolean;
  /** a cron pattern (BullMQ job scheduler), e.g. "0 2 * * *" for nightly */
  schedule: string | null;
  /** the branches a schedule runs on */
  branches: string[];
}

export interface LaneVms {
  nodes: string[];
  memoryMiB: number;
  services: string[];
  overlay: string | null;
}

export interface Gate {
  id: string;
  name: string;
  description: string;
  lanes: string[];
  /** release gates decide release-readiness */
  release: boolean;
}

export interface Catalog {
  version: 1;
  name: string;
  profiles: Profile[];
  lanes: Lane[];
  gates: Gate[];
}

export const RUN_STATUSES = [
  "waiting",
  "queued",
  "running",
  "passed",
  "failed",
  "timed_out",
  "unsupported",
  "canceled",
  "lost",
  "error",
  "skipped",
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Why a run did not pass; each kind is shown and retried differently. */
export const FAILURE_KINDS = ["test", "timeout", "unsupported", "infrastructure", "canceled", "skipped"] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** The minimum a readiness computation needs to know about a run. */
export interface RunSummary {
  id: string;
  lane: string;
  commitSha: string;
  status: RunStatus;
  attempt: number;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** when the lane process ended (a held run's hold starts here); durations end here (durations.ts) */
  laneEndedAt?: Date | null;
  /** why it did not pass, when it did not: shown beside the state without opening the run */
  failureKind?: FailureKind | null;
  reason?: string | null;
}

export type LaneState = "passed" | "failed" | "running" | "queued" | "never-run";

export interface LaneReadiness {
  lane: string;
  state: LaneState;
  /**
   * the run that decides `state`: the newest final run of this lane on the head commit, or, while
   * none has ended, the newest run there (queued or running)
   */
  headRun: RunSummary | null;
  /**
   * a queued or running run on the head newer than a final `headRun`: its result will replace the
   * verdict once it ends; until then the verdict stands ("passed · re-running", "failed · re-running")
   */
  rerun: RunSummary | null;
  /** latest pass on an older commit when the head has none: shown, never counted */
  stalePass: RunSummary | null;
  /** passed on the head only after a failed attempt on the same commit: counted, never a clean green */
  flaky: boolean;
}

export interface GateReadiness {
  gate: Gate;
  green: boolean;
  lanes: LaneReadiness[];
  /** lanes of this gate not passed on the head commit, in gate order */
  missing: string[];
}

export interface BranchReadiness {
  headSha: string;
  releaseReady: boolean;
  gates: GateReadiness[];
  /** every lane of the catalog, by name */
  lanes: Record<string, LaneReadiness>;
  /** lanes of release gates not passed on the head, deduplicated, in catalog order */
  missing: string[];
}
