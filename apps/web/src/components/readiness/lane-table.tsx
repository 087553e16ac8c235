import type { ReactNode } from "react";
import { StatusBadge } from "~/components/ui/status-badge";
import { Table, TBody, TD, TH, THead, TR } from "~/components/ui/table";
import { Tip } from "~/components/ui/tooltip";
import { cn } from "~/lib/utils";
import { HostClassBadge } from "./host-badge";
import { laneStatus } from "./lane-state";
import { runUnderWay } from "./rerun-state";
import { laneAnchor } from "./links";
import { RerunButton } from "./rerun-button";
import { useRerunNotices } from "./rerun-notice";
import { RequestedBy, useRequesters, type Requesters } from "./requested-by";
import { RerunTag } from "./rerun-tag";
import { RunDuration, RunLink, StalePassMarker } from "./run-cells";
import type { LaneDetail } from "./types";

function LaneHint({ lane }: { lane: LaneDetail }) {
  return (
    <span className="flex flex-col gap-1">
      <span>{lane.description}</span>
      <code className="rounded bg-zinc-800 px-1 py-0.5 break-all text-zinc-100">{lane.command.join(" ")}</code>
    </span>
  );
}

function LaneRow({ lane, branch, requesters }: { lane: LaneDetail; branch: string; requesters: Requesters }) {
  const status = laneStatus(lane.readiness);
  const headRun = lane.readiness?.headRun ?? null;
  const stalePass = lane.readiness?.stalePass ?? null;
  const rerun = lane.readiness?.rerun ?? null;
  const underWay = runUnderWay(lane.readiness);
  // why the verdict is not a pass; else why a rerun behind a pass waits (a released run says so)
  const reason = headRun?.reason && headRun.status !== "passed" ? headRun.reason : (rerun?.reason ?? null);
  const { justQueued } = useRerunNotices();
  return (
    <TR
      id={laneAnchor(lane.name)}
      data-lane={lane.name}
      className={cn("scroll-mt-12 target:bg-highlight", STACKED_ROW)}
    >
      <TD className="w-28 max-md:col-start-1 max-md:row-start-1">
        <StatusBadge status={status} title={headRun?.reason ?? undefined} />
        {lane.readiness?.flaky && (
          <span
            className="ml-1 rounded bg-status-warn-tint px-1 text-xs font-medium text-status-warn-ink"
            title="passed only after a failed attempt on this commit"
            data-testid="flaky"
          >
            flaky
          </span>
        )}
        <RerunTag rerun={rerun} className="flex" />
        {lane.waiting && (
          <div className="max-w-56 text-xs leading-tight text-status-queued" title={lane.waiting} data-testid="waiting">
            {lane.waiting}
          </div>
        )}
      </TD>
      <TD className="min-w-72 max-md:col-start-2 max-md:row-start-1 max-md:min-w-0">
        <Tip content={<LaneHint lane={lane} />}>
          {/* On a phone the title goes under the name, cut to the cell: beside it, it ran under Rerun. */}
          <span
            tabIndex={0}
            className="inline-flex max-w-full min-w-0 items-baseline gap-2 outline-none focus-visible:underline max-md:flex max-md:flex-col max-md:items-stretch max-md:gap-0"
          >
            <span className="font-mono font-semibold text-ink">{lane.name}</span>
            <span className="truncate text-sm text-ink-muted max-md:text-xs" data-testid="lane-title">
              {lane.title}
            </span>
          </span>
        </Tip>
        {/* Why it did not pass, where there is room to read it (the lane's own words, two lines at most). */}
        {reason && (
          <div className="line-clamp-2 font-mono text-xs break-all text-ink-muted" title={reason} data-testid="reason">
            {reason}
          </div>
        )}
      </TD>
      <TD className="w-24 max-md:col-start-3 max-md:row-start-2 max-md:text-right">
        <HostClassBadge hostClass={lane.host} />
      </TD>
      <TD className="w-40 max-md:col-start-1 max-md:row-start-2">
        <RunDuration run={headRun} usualSeconds={lane.usualSeconds} />
      </TD>
      <TD className="w-80 max-md:col-start-2 max-md:row-start-2">
        <span className="flex flex-wrap items-center gap-x-2 gap-y-0.5">
          {headRun && <RunLink run={headRun} highlight={justQueued.has(headRun.id)} />}
          {headRun && <RequestedBy requester={requesters[headRun.id]} />}
          {rerun && (
            <span className="inline-flex items-center gap-1" data-testid="rerun-run">
              <span className="text-xs text-ink-muted">then</span>
              <RunLink run={rerun} highlight={justQueued.has(rerun.id)} />
              <RequestedBy requester={requesters[rerun.id]} />
            </span>
          )}
          {stalePass && <StalePassMarker run={stalePass} />}
          {!headRun && !stalePass && <span className="text-sm text-ink-muted">no run yet</span>}
        </span>
      </TD>
      <TD className="w-32 text-right max-md:col-start-3 max-md:row-start-1">
        <RerunButton
          branch={branch}
          lane={lane.name}
          alreadyQueued={underWay?.status === "queued" || underWay?.status === "waiting"}
          running={underWay?.status === "running"}
        />
      </TD>
    </TR>
  );
}

/** A subheading row inside a lane table, e.g. a profile/group in "Other lanes". */
export function LaneGroupRow({ children }: { children: ReactNode }) {
  return (
    <TR className="bg-zinc-50/80 hover:bg-zinc-50/80 max-md:block">
      <TD colSpan={6} className="h-6 text-xs font-medium tracking-wide text-ink-muted max-md:flex max-md:items-center">
        {children}
      </TD>
    </TR>
  );
}

/**
 * Below md a lane is two lines in a grid instead of six columns, so a phone reads it without
 * scrolling sideways and Rerun stays on screen: status, lane, Rerun; then duration, run, host.
 */
const STACKED_ROW =
  "max-md:grid max-md:grid-cols-[6rem_minmax(0,1fr)_auto] max-md:items-center max-md:gap-x-2 max-md:gap-y-0.5 max-md:px-1 max-md:py-1.5 max-md:[&>td]:h-auto max-md:[&>td]:w-auto";

export type LaneTableProps = {
  branch: string;
  /** Rows in order; a heading entry starts a subheading row. */
  rows: readonly (LaneDetail | { heading: ReactNode; key: string })[];
};

export function LaneTable({ branch, rows }: LaneTableProps) {
  const requesters = useRequesters(
    rows.flatMap((row) =>
      "heading" in row ? [] : [row.readiness?.headRun?.id, row.readiness?.rerun?.id].filter((id) => id != null),
    ),
  );
  return (
    <Table className="table-fixed max-md:block">
      <THead className="max-md:hidden">
        <TR>
          <TH className="w-28">Status</TH>
          <TH>Lane</TH>
          <TH className="w-24">Host class</TH>
          <TH className="w-40">Duration</TH>
          <TH className="w-80">Run</TH>
          <TH className="w-32 text-right">
            <span className="sr-only">Actions</span>
          </TH>
        </TR>
      </THead>
      <TBody className="max-md:block">
        {rows.map((row) =>
          "heading" in row ? (
            <LaneGroupRow key={row.key}>{row.heading}</LaneGroupRow>
          ) : (
            <LaneRow key={row.name} lane={row} branch={branch} requesters={requesters} />
          ),
        )}
      </TBody>
    </Table>
  );
}
