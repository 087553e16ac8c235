import type { ComponentProps } from "react";
// Only the types module: the package index would bring the YAML parser into the browser bundle.
import { RUN_STATUSES } from "@proofboard/domain/types";
import { cn } from "~/lib/utils";

/** Every run status, plus the two states readiness adds for a lane without a current run. */
export const STATUSES = [...RUN_STATUSES, "never-run", "stale"] as const;
export type Status = (typeof STATUSES)[number];

interface StatusStyle {
  label: string;
  /** Why this state differs from its neighbours; failure kinds are retried differently. */
  hint: string;
  dot: string;
  text: string;
}

const STYLES: Record<Status, StatusStyle> = {
  waiting: {
    label: "waiting",
    hint: "waits for the lanes it needs to pass on this commit first",
    dot: "border border-status-queued bg-transparent",
    text: "text-status-queued-ink",
  },
  skipped: {
    label: "skipped",
    hint: "not run: a lane it needs failed on this commit",
    dot: "bg-status-idle",
    text: "text-ink-muted",
  },
  queued: {
    label: "queued",
    hint: "waiting for a host that can run it",
    dot: "bg-status-queued",
    text: "text-status-queued-ink",
  },
  running: { label: "running", hint: "running on a host now", dot: "bg-status-running", text: "text-status-running" },
  passed: { label: "passed", hint: "passed on this commit", dot: "bg-status-passed", text: "text-status-passed-ink" },
  failed: { label: "failed", hint: "the lane's checks failed", dot: "bg-status-failed", text: "text-status-failed" },
  timed_out: {
    label: "timed out",
    hint: "exceeded the lane's timeout",
    dot: "bg-status-timeout",
    text: "text-status-timeout-ink",
  },
  unsupported: {
    label: "unsupported",
    hint: "the host lacks what the lane needs (e.g. /dev/kvm); stopped at preflight",
    dot: "bg-status-unsupported",
    text: "text-status-unsupported",
  },
  canceled: {
    label: "canceled",
    hint: "canceled before it finished",
    dot: "bg-status-canceled",
    text: "text-ink-muted",
  },
  lost: { label: "lost", hint: "the host stopped heartbeating", dot: "bg-status-infra", text: "text-status-infra-ink" },
  error: {
    label: "infra error",
    hint: "infrastructure fault (worker or QEMU)",
    dot: "bg-status-infra",
    text: "text-status-infra-ink",
  },
  "never-run": {
    label: "not run",
    hint: "not run on this commit",
    dot: "border border-status-idle bg-transparent",
    text: "text-ink-muted",
  },
  stale: {
    label: "stale",
    hint: "passed only on an older commit; not counted",
    dot: "bg-status-idle",
    text: "text-ink-muted",
  },
};

function isStatus(value: string): value is Status {
  return (STATUSES as readonly string[]).includes(value);
}

/** Unknown values (a status added server-side before the UI knows it) still render, in gray. */
function styleOf(status: string): StatusStyle {
  return isStatus(status)
    ? STYLES[status]
    : { label: status.replaceAll("_", " "), hint: status, dot: "bg-status-idle", text: "text-ink-muted" };
}

export function statusLabel(status: string): string {
  return styleOf(status).label;
}

export type StatusDotProps = Omit<ComponentProps<"span">, "children"> & { status: string };

export function StatusDot({ status, className, ...props }: StatusDotProps) {
  const style = styleOf(status);
  return (
    <span
      aria-hidden
      className={cn(
        "inline-block size-2 shrink-0 rounded-full",
        style.dot,
        status === "running" && "motion-safe:animate-soft-pulse",
        className,
      )}
      {...props}
    />
  );
}

export type StatusBadgeProps = Omit<ComponentProps<"span">, "children"> & {
  status: string;
  /** Replaces the standard label, e.g. "passed 2 commits ago" for a stale pass. */
  label?: string;
};

export function StatusBadge({ status, label, className, title, ...props }: StatusBadgeProps) {
  const style = styleOf(status);
  return (
    <span
      data-status={status}
      title={title ?? style.hint}
      className={cn(
        "inline-flex items-center gap-1.5 text-sm leading-none font-medium whitespace-nowrap",
        style.text,
        className,
      )}
      {...props}
    >
      <StatusDot status={status} />
      {label ?? style.label}
    </span>
  );
}
