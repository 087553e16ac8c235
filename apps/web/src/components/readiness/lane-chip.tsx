import Link from "next/link";
import { Tip } from "~/components/ui/tooltip";
import { StatusDot, statusLabel } from "~/components/ui/status-badge";
import { formatRelative, toDate } from "~/lib/time";
import { cn } from "~/lib/utils";
import { laneStatus } from "./lane-state";
import { runHref } from "./links";
import type { LaneGlance } from "./types";

const TONE: Record<string, string> = {
  failed: "border-red-200 bg-red-50 text-red-800",
  timed_out: "border-orange-200 bg-orange-50 text-orange-800",
  error: "border-pink-200 bg-pink-50 text-pink-800",
  lost: "border-pink-200 bg-pink-50 text-pink-800",
  unsupported: "border-purple-200 bg-purple-50 text-purple-800",
  running: "border-blue-200 bg-blue-50 text-blue-800",
  queued: "border-amber-200 bg-amber-50 text-amber-800",
  passed: "border-green-200 bg-green-50 text-green-800",
};
const NEUTRAL = "border-line bg-zinc-50 text-ink-muted";

function chipHint(readiness: LaneGlance, status: string): string {
  const head = readiness.headRun ? `${statusLabel(status)} on the head commit` : "never run on the head commit";
  const stale = readiness.stalePass;
  if (!stale) return `${readiness.lane}: ${head}`;
  const when = formatRelative(toDate(stale.finishedAt ?? stale.queuedAt), Date.now());
  return `${readiness.lane}: ${head}; passed on ${stale.commitSha.slice(0, 10)} ${when}, which does not count`;
}

/**
 * A lane named with its state's colour. A stale pass gets a dashed border and a "stale" tag: it is
 * information, never credit. Links to the head run, or to the stale pass when that is all there is.
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
    </>
  );
  return (
    <Tip content={chipHint(readiness, status)}>
      {target ? (
        <Link href={runHref(target.id)} data-lane-chip={readiness.lane} data-lane-state={status} className={className}>
          {body}
        </Link>
      ) : (
        <span tabIndex={0} data-lane-chip={readiness.lane} data-lane-state={status} className={className}>
          {body}
        </span>
      )}
    </Tip>
  );
}
