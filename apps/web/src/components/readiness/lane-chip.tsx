import Link from "next/link";
import { Tip } from "~/components/ui/tooltip";
import { StatusDot, statusLabel } from "~/components/ui/status-badge";
import { formatRelative, toDate } from "~/lib/time";
import { cn } from "~/lib/utils";
import { laneStatus } from "./lane-state";
import { rerunLabel } from "./rerun-state";
import { runHref } from "./links";
import type { LaneGlance } from "./types";

const TONE: Record<string, string> = {
  failed: "border-status-failed-edge bg-status-failed-soft text-status-failed-ink",
  timed_out: "border-status-timeout-edge bg-status-timeout-soft text-status-timeout-ink",
  error: "border-status-infra-edge bg-status-infra-soft text-status-infra-ink",
  lost: "border-status-infra-edge bg-status-infra-soft text-status-infra-ink",
  unsupported: "border-status-unsupported-edge bg-status-unsupported-soft text-status-unsupported-ink",
  running: "border-status-running-edge bg-status-running-soft text-status-running-ink",
  queued: "border-status-queued-edge bg-status-queued-soft text-status-queued-ink",
  passed: "border-status-passed-edge bg-status-passed-soft text-status-passed-ink",
};
const NEUTRAL = "border-line bg-zinc-50 text-ink-muted";

function chipHint(readiness: LaneGlance, status: string): string {
  const rerun = rerunLabel(readiness.rerun);
  const verdict = readiness.headRun ? `${statusLabel(status)} on the head commit` : "never run on the head commit";
  const head = rerun ? `${verdict}, ${rerun}: this stands until the rerun's result is in` : verdict;
  const stale = readiness.stalePass;
  if (!stale) return `${readiness.lane}: ${head}`;
  const when = formatRelative(toDate(stale.finishedAt ?? stale.queuedAt), Date.now());
  return `${readiness.lane}: ${head}; passed on ${stale.commitSha.slice(0, 10)} ${when}, which does not count`;
}

/**
 * A lane named with its state's colour. A stale pass gets a dashed border and a "stale" tag: it is
 * information, never credit. A rerun under way is said after the name ("· re-running") in the
 * verdict's colour, which stands until the rerun ends. Links to the head run, or to the stale pass
 * when that is all there is.
 */
export function LaneChip({ readiness }: { readiness: LaneGlance }) {
  const status = laneStatus(readiness);
  const stale = readiness.stalePass != null;
  const target = readiness.headRun ?? readiness.stalePass;
  const className = cn(
    "inline-flex h-5 items-center gap-1 rounded border px-1.5 font-mono text-xs whitespace-nowrap",
    TONE[status] ?? NEUTRAL,
    stale && "border-dashed",
    target && "hover:underline",
  );
  const body = (
    <>
      <StatusDot status={status} className="size-1.5" />
      {readiness.lane}
      {stale && <span className="font-sans text-[10px] tracking-wide text-ink-muted uppercase">stale</span>}
      {readiness.rerun && <span className="font-sans text-[11px] opacity-80">· {rerunLabel(readiness.rerun)}</span>}
    </>
  );
  return (
    <Tip content={chipHint(readiness, status)}>
      {target ? (
        <Link
          href={runHref(target.id)}
          data-lane-chip={readiness.lane}
          data-lane-state={status}
          data-rerun={readiness.rerun?.status}
          className={className}
        >
          {body}
        </Link>
      ) : (
        <span
          tabIndex={0}
          data-lane-chip={readiness.lane}
          data-lane-state={status}
          data-rerun={readiness.rerun?.status}
          className={className}
        >
          {body}
        </span>
      )}
    </Tip>
  );
}
