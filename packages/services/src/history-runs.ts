import { heldSeconds, laneSeconds, runOriginLabel, type RunStatus } from "@proofboard/domain";

/**
 * A run as the history pages show it (lane history, compare with last good): the columns they
 * read, and one side of a comparison with its duration, hold, host and who started it.
 */
export const runFields = {
  id: true,
  lane: true,
  branchName: true,
  commitSha: true,
  attempt: true,
  status: true,
  failureKind: true,
  reason: true,
  exitCode: true,
  queuedAt: true,
  startedAt: true,
  finishedAt: true,
  laneEndedAt: true,
  hostFingerprint: true,
  host: { select: { name: true } },
  trigger: true,
  triggerDetail: true,
  requestedBy: true,
} as const;

export type RunRow = {
  id: string;
  lane: string;
  branchName: string;
  commitSha: string;
  attempt: number;
  status: RunStatus;
  failureKind: string | null;
  reason: string | null;
  exitCode: number | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  laneEndedAt: Date | null;
  hostFingerprint: unknown;
  host: { name: string } | null;
  trigger: string;
  triggerDetail: string | null;
  requestedBy: string | null;
};

type Primitive = string | number | boolean | null;

/** A fingerprint is JSON written by a worker: kept flat and primitive so it can be compared and shown. */
function flatFingerprint(v: unknown): Record<string, Primitive> {
  if (!v || typeof v !== "object" || Array.isArray(v)) return {};
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      k,
      x === null || ["string", "number", "boolean"].includes(typeof x) ? (x as Primitive) : JSON.stringify(x),
    ]),
  );
}

function hostName(r: RunRow): string | null {
  const fromPrint = flatFingerprint(r.hostFingerprint).host;
  return r.host?.name ?? (typeof fromPrint === "string" ? fromPrint : null);
}

export type RunSide = Omit<RunRow, "host" | "hostFingerprint"> & {
  seconds: number | null;
  /** how long its VMs were held after the lane; null when not held */
  heldSeconds: number | null;
  hostName: string | null;
  fingerprint: Record<string, Primitive>;
  /** who or what started it: "rerun by olga", "automatic retry 1 of 3 after an infrastructure fault" */
  origin: string;
};

export function side(r: RunRow): RunSide {
  const { host: _host, hostFingerprint, ...rest } = r;
  const origin = runOriginLabel({
    trigger: r.trigger,
    triggerDetail: r.triggerDetail,
    requestedBy: r.requestedBy,
    attempt: r.attempt,
    branch: r.branchName,
  });
  return {
    ...rest,
    seconds: laneSeconds(r),
    heldSeconds: heldSeconds(r),
    hostName: hostName(r),
    fingerprint: flatFingerprint(hostFingerprint),
    origin,
  };
}
