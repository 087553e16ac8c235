import type { ReactNode } from "react";
import { StatusBadge } from "~/components/ui/status-badge";
import { Table, TBody, TD, TH, THead, TR } from "~/components/ui/table";
import { Tip } from "~/components/ui/tooltip";
import { HostClassBadge } from "./host-badge";
import { laneStatus } from "./lane-state";
import { laneAnchor } from "./links";
import { RerunButton } from "./rerun-button";
import { useRerunNotices } from "./rerun-notice";
import { RequestedBy, useRequesters, type Requesters } from "./requested-by";
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
  const { justQueued } = useRerunNotices();
  return (
    <TR id={laneAnchor(lane.name)} data-lane={lane.name} className="scroll-mt-12 target:bg-amber-50">
      <TD className="w-28">
        <StatusBadge status={status} title={headRun?.reason ?? undefined} />
        {lane.readiness?.flaky && (
          <span className="ml-1 rounded bg-amber-100 px-1 text-xs font-medium text-amber-800" title="passed only after a failed attempt on this commit" data-testid="flaky">
            flaky
          </span>
        )}
        {lane.waiting && (
          <div className="max-w-56 text-xs leading-tight text-status-queued" title={lane.waiting} data-testid="waiting">
            {lane.waiting}
          </div>
        )}
      </TD>
      <TD className="min-w-72">
        <Tip content={<LaneHint lane={lane} />}>
          <span tabIndex={0} className="inline-flex min-w-0 items-baseline gap-2 outline-none focus-visible:underline">
            <span className="font-mono font-semibold text-ink">{lane.name}</span>
            <span className="truncate text-sm text-ink-muted">{lane.title}</span>
          </span>
        </Tip>
        {/* Why it did not pass, where there is room to read it (the lane's own words, two lines at most). */}
        {headRun?.reason && headRun.status !== "passed" && (
          <div className="line-clamp-2 font-mono text-xs break-all text-ink-muted" title={headRun.reason} data-testid="reason">
            {headRun.reason}
          </div>
        )}
      </TD>
      <TD className="w-24">
        <HostClassBadge hostClass={lane.host} />
      </TD>
      <TD className="w-40">
        <RunDuration run={headRun} usualSeconds={lane.usualSeconds} />
      </TD>
      <TD className="w-80">
        <span className="flex flex-wrap items-center gap-x-2 gap-y-0.5">
          {headRun && <RunLink run={headRun} highlight={justQueued.has(headRun.id)} />}
          {headRun && <RequestedBy requester={requesters[headRun.id]} />}
          {stalePass && <StalePassMarker run={stalePass} />}
          {!headRun && !stalePass && <span className="text-sm text-ink-muted">no run yet</span>}
        </span>
      </TD>
      <TD className="w-32 text-right">
        <RerunButton branch={branch} lane={lane.name} alreadyQueued={status === "queued" || status === "waiting"} running={status === "running"} />
      </TD>
    </TR>
  );
}

/** A subheading row inside a lane table, e.g. a profile/group in "Other lanes". */
export function LaneGroupRow({ children }: { children: ReactNode }) {
  return (
    <TR className="bg-zinc-50/80 hover:bg-zinc-50/80">
      <TD colSpan={6} className="h-6 text-xs font-medium tracking-wide text-ink-muted">
        {children}
      </TD>
    </TR>
  );
}

export type LaneTableProps = {
  branch: string;
  /** Rows in order; a heading entry starts a subheading row. */
  rows: readonly (LaneDetail | { heading: ReactNode; key: string })[];
};

export function LaneTable({ branch, rows }: LaneTableProps) {
  const requesters = useRequesters(rows.flatMap((row) => ("heading" in row ? [] : row.readiness?.headRun ? [row.readiness.headRun.id] : [])));
  return (
    <Table className="table-fixed">
      <THead>
        <TR>
          <TH className="w-28">Status</TH>
          <TH>Lane</TH>
          <TH className="w-24">Host</TH>
          <TH className="w-40">Duration</TH>
          <TH className="w-80">Run</TH>
          <TH className="w-32 text-right">
            <span className="sr-only">Actions</span>
          </TH>
        </TR>
      </THead>
      <TBody>
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
