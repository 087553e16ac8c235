import Link from "next/link";
import { Elapsed } from "~/components/ui/elapsed";
import { Sha } from "~/components/ui/mono";
import { RelativeTime } from "~/components/ui/relative-time";
import { formatDuration } from "@proofboard/domain/format";
import { formatApprox } from "~/lib/time";
import { cn } from "~/lib/utils";
import { runDuration } from "./lane-state";
import { runHref } from "./links";
import type { RunSummary } from "./types";

type Run = Pick<
  RunSummary,
  "id" | "status" | "attempt" | "queuedAt" | "startedAt" | "finishedAt" | "laneEndedAt" | "heldSeconds"
>;

/** "held 4m 12s": how long a run's VMs stayed up after its lane, ticking while the hold lasts; nothing when not held. */
export function HeldFor({ run }: { run: Pick<Run, "laneEndedAt" | "heldSeconds"> & { status: string } }) {
  if (run.status === "running" && run.laneEndedAt) {
    return (
      <span className="inline-flex gap-1 text-sm text-ink-muted" data-testid="held-for">
        held <Elapsed since={run.laneEndedAt} />
      </span>
    );
  }
  if (run.heldSeconds == null || run.heldSeconds < 1) return null;
  return (
    <span className="text-sm text-ink-muted" data-testid="held-for">
      held {formatDuration(run.heldSeconds * 1000)}
    </span>
  );
}

/** Live clock against the usual duration while the lane runs; its lane time once it ended (a hold apart). */
export function RunDuration({ run, usualSeconds }: { run: Run | null; usualSeconds?: number | null }) {
  const usual = usualSeconds != null && usualSeconds >= 0 ? usualSeconds * 1000 : null;
  if (run?.status === "running" && run.startedAt && !run.laneEndedAt)
    return <Elapsed since={run.startedAt} expectedMs={usual || null} className="w-28" />;
  const done = run ? runDuration(run) : null;
  if (done && run) {
    return (
      <span className="inline-flex flex-wrap items-baseline gap-x-1.5">
        <span className="font-mono text-sm">{done}</span>
        <HeldFor run={run} />
      </span>
    );
  }
  if (run?.status === "queued") {
    return (
      <span className="text-sm text-ink-muted">
        waiting since <RelativeTime date={run.queuedAt} />
      </span>
    );
  }
  if (usual === null) return null;
  return <span className="text-sm text-ink-muted">usually {usual < 1000 ? "under 1s" : formatApprox(usual)}</span>;
}

/**
 * "Run #2 · 3m ago": attempt shown only when it is not the first, since that is the unusual case.
 * `highlight` marks a run just queued from this page: the one the person most likely wants next.
 */
export function RunLink({ run, highlight = false }: { run: Run; highlight?: boolean }) {
  return (
    <span className="inline-flex items-center gap-1 text-sm whitespace-nowrap">
      <Link
        href={runHref(run.id)}
        data-just-queued={highlight || undefined}
        className={cn(
          "font-medium text-status-running hover:underline",
          highlight && "rounded bg-status-running-soft px-1.5 py-0.5 ring-1 ring-status-running/40",
        )}
      >
        Run{run.attempt > 1 ? ` #${run.attempt}` : ""}
      </Link>
      <span className="text-ink-muted">
        · <RelativeTime date={run.finishedAt ?? run.startedAt ?? run.queuedAt} />
      </span>
    </span>
  );
}

/** A pass on an older commit: worth knowing (the lane worked recently), never counted. */
export function StalePassMarker({ run }: { run: Pick<RunSummary, "id" | "commitSha" | "queuedAt" | "finishedAt"> }) {
  return (
    <Link
      href={runHref(run.id)}
      data-stale-pass={run.id}
      title="passed on an older commit: not counted for this head"
      className="inline-flex items-center gap-1 rounded border border-dashed border-zinc-300 px-1 text-xs whitespace-nowrap text-ink-muted hover:text-ink hover:underline"
    >
      stale: passed on <Sha sha={run.commitSha} length={7} className="border-0 bg-transparent px-0" />
      <RelativeTime date={run.finishedAt ?? run.queuedAt} />
    </Link>
  );
}
