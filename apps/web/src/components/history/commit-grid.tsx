import Link from "next/link";
import { runHref } from "~/components/readiness/links";
import { Sha } from "~/components/ui/mono";
import { RelativeTime } from "~/components/ui/relative-time";
import { ScrollX } from "~/components/ui/scroll-x";
import { StatusDot, statusLabel } from "~/components/ui/status-badge";
import { cn } from "~/lib/utils";
import { formatSeconds } from "./format";
import { laneHref } from "./links";
import type { BranchGrid, GridCell, GridLane } from "./types";
import { VisibleText, visibleText } from "~/components/ui/visible-text";

/** Release-gate columns are tinted so "is this commit releasable" reads down one band. */
const RELEASE_TINT = "bg-gate-soft/70";

function Cell({ cell, lane, sha }: { cell: GridCell | null; lane: GridLane; sha: string }) {
  if (!cell) {
    return (
      <span title={`${lane.name}: not run on ${sha.slice(0, 10)}`} className="flex size-4 items-center justify-center">
        <StatusDot status="never-run" className="size-3 rounded-[3px] opacity-60" />
      </span>
    );
  }
  const flaky = cell.flaky ? ", flaky: an earlier attempt on this commit failed" : "";
  const what = `${lane.name}: ${statusLabel(cell.status)}${cell.attempt > 1 ? ` (attempt #${cell.attempt})` : ""}${flaky}`;
  const timed = cell.seconds != null ? `${what} in ${formatSeconds(cell.seconds)}` : what;
  // the verdict stands while a newer run of the lane is under way on this commit
  const title = cell.rerun ? `${timed}; ${cell.rerun.status === "running" ? "re-running" : "rerun queued"}` : timed;
  return (
    <Link
      href={runHref(cell.id)}
      title={title}
      aria-label={title}
      data-status={cell.status}
      data-flaky={cell.flaky || undefined}
      data-rerun={cell.rerun?.status}
      className="flex size-4 items-center justify-center rounded-[3px] hover:ring-2 hover:ring-zinc-400 focus-visible:ring-2"
    >
      {/* A flaky pass keeps its green but wears an amber ring: counted, not clean. */}
      <StatusDot status={cell.status} className={cn("size-3 rounded-[3px]", cell.flaky && "ring-2 ring-status-warn")} />
    </Link>
  );
}

/** Tall enough for the longest name (11px monospace is ~7px a character), within reason. */
function headerHeight(lanes: readonly GridLane[]): number {
  return Math.min(240, 16 + 7 * Math.max(8, ...lanes.map((l) => l.name.length + (l.release ? 2 : 0))));
}

function LaneHeader({ lane, height }: { lane: GridLane; height: number }) {
  const tip = `${lane.name}${lane.title !== lane.name ? ` — ${lane.title}` : ""}${lane.release ? " (release gate)" : ""}`;
  return (
    <th scope="col" style={{ height }} className={cn("w-6 px-0 pb-1 align-bottom", lane.release && RELEASE_TINT)}>
      <Link
        href={laneHref(lane.name)}
        title={tip}
        style={{ maxHeight: height - 8 }}
        className={cn(
          "mx-auto block overflow-hidden text-ellipsis font-mono text-xs font-normal whitespace-nowrap text-ink-muted [writing-mode:vertical-rl] rotate-180 hover:text-ink hover:underline",
          lane.release && "font-semibold text-ink",
        )}
      >
        {lane.release && <span className="text-gate">◆ </span>}
        {lane.name}
      </Link>
    </th>
  );
}

function ReleaseCount({ passed, total }: { passed: number; total: number }) {
  if (total === 0) return <span className="text-ink-muted">—</span>;
  const all = passed === total;
  return (
    <span
      title={`${passed} of ${total} release-gate lanes passed on this commit`}
      className={cn(
        "font-mono text-sm whitespace-nowrap",
        all ? "font-semibold text-status-passed-ink" : passed === 0 ? "text-ink-muted" : "text-ink",
      )}
    >
      {passed}/{total}
    </span>
  );
}

/**
 * Rows are commits (newest first), columns are lanes; release-gate lanes come first. Commit text
 * is untrusted and only ever rendered as React text.
 */
export function CommitGrid({ grid }: { grid: BranchGrid }) {
  // Release lanes first, each keeping its index into the cells it belongs to.
  const height = headerHeight(grid.lanes);
  const order = grid.lanes
    .map((lane, i) => ({ lane, i }))
    .sort((a, b) => Number(b.lane.release) - Number(a.lane.release));
  return (
    <ScrollX label="History grid, scrolls sideways">
      <table className="w-full border-collapse text-left text-sm" data-testid="history-grid">
        <thead>
          <tr className="border-b border-line">
            <th
              scope="col"
              className="px-2 pb-1 align-bottom text-xs font-medium tracking-wide text-ink-muted uppercase"
            >
              Commit
            </th>
            <th
              scope="col"
              className="px-2 pb-1 align-bottom text-xs font-medium tracking-wide text-ink-muted uppercase"
              title="release-gate lanes passed / total"
            >
              Gate
            </th>
            {order.map(({ lane }) => (
              <LaneHeader key={lane.name} lane={lane} height={height} />
            ))}
          </tr>
        </thead>
        <tbody>
          {grid.commits.map((commit) => (
            <tr key={commit.sha} data-sha={commit.sha} className="border-b border-line/70 hover:bg-zinc-50">
              {/* The commit column takes the width the lanes leave (a wide screen shows whole subjects), at least 12rem on a phone. */}
              <td className="h-6 w-full max-w-0 min-w-48 px-2">
                <span className="flex min-w-0 items-center gap-1.5">
                  <Sha sha={commit.sha} length={8} />
                  <span
                    className="min-w-0 truncate text-ink"
                    title={`${visibleText(commit.subject)} — ${commit.authorName}`}
                  >
                    {commit.subject ? (
                      <VisibleText text={commit.subject} />
                    ) : (
                      <span className="text-ink-muted">(no subject)</span>
                    )}
                  </span>
                  <RelativeTime date={commit.committedAt} className="ml-auto shrink-0 pl-2 text-ink-muted" />
                </span>
              </td>
              <td className="px-2 text-center">
                <ReleaseCount passed={commit.release.passed} total={commit.release.total} />
              </td>
              {order.map(({ lane, i }) => (
                // 24px apart: a 16px square is a big enough target (WCAG 2.5.8) when its neighbours are that far.
                <td key={lane.name} className={cn("w-6 px-1", lane.release && RELEASE_TINT)}>
                  <Cell cell={commit.cells[i] ?? null} lane={lane} sha={commit.sha} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollX>
  );
}
