import Link from "next/link";
import { branchHref, runHref } from "~/components/readiness/links";
import { Sha } from "~/components/ui/mono";
import { RelativeTime } from "~/components/ui/relative-time";
import { StatusBadge } from "~/components/ui/status-badge";
import { Table, TBody, TD, TH, THead, TR } from "~/components/ui/table";
import { formatBytes } from "~/lib/bytes";
import { cn } from "~/lib/utils";
import { formatSeconds } from "./format";
import type { HistoryRun } from "./types";

type RunConsoleStorage = HistoryRun["console"];
import { VisibleText, visibleText } from "~/components/ui/visible-text";

/** The window's newest runs; a flaky commit's rows are marked so the pass and the failure line up. */
export function LaneRunsTable({ runs, flaky }: { runs: readonly HistoryRun[]; flaky: ReadonlySet<string> }) {
  return (
    <Table>
      <THead>
        <TR>
          <TH>Status</TH>
          <TH>Branch</TH>
          <TH>Commit</TH>
          <TH className="text-right">Attempt</TH>
          <TH>Host</TH>
          <TH>Finished</TH>
          <TH className="text-right">Duration</TH>
          <TH
            className="text-right"
            title="bytes the run's consoles hold (the lane's output and its VMs' serial output)"
          >
            Console
          </TH>
          <TH>Reason</TH>
          <TH>
            <span className="sr-only">Open</span>
          </TH>
        </TR>
      </THead>
      <TBody>
        {runs.map((run) => (
          <TR key={run.id} data-run={run.id}>
            <TD>
              <StatusBadge status={run.status} />
            </TD>
            <TD className="max-w-56">
              <Link
                href={branchHref(run.branch)}
                className="block truncate font-mono hover:underline"
                title={visibleText(run.branch)}
              >
                <VisibleText text={run.branch} />
              </Link>
            </TD>
            <TD>
              <span className="inline-flex items-center gap-1">
                <Sha
                  sha={run.commitSha}
                  length={8}
                  className={cn(flaky.has(run.commitSha) && "border-status-warn-edge bg-status-warn-soft")}
                />
                {flaky.has(run.commitSha) && (
                  <span
                    className="text-xs text-status-warn-ink"
                    title="this lane both passed and failed on this commit"
                  >
                    flaky
                  </span>
                )}
              </span>
            </TD>
            {/* who or what started it on hover, and an automatic retry marked apart from a rerun */}
            <TD className="text-right font-mono" title={run.origin} data-trigger={run.trigger}>
              {run.attempt > 1 ? (
                `#${run.attempt}${run.trigger === "retry" ? " ↻" : ""}`
              ) : (
                <span className="text-ink-muted">#1</span>
              )}
            </TD>
            <TD className="max-w-40 truncate font-mono text-sm" title={run.hostName ?? undefined}>
              {run.hostName ?? <span className="text-ink-muted">—</span>}
            </TD>
            <TD className="text-sm text-ink-muted">{run.finishedAt ? <RelativeTime date={run.finishedAt} /> : "—"}</TD>
            <TD className="text-right font-mono text-sm">{formatSeconds(run.seconds)}</TD>
            <TD
              className="text-right font-mono text-sm text-ink-muted"
              data-console-bytes={run.consoleBytes}
              title={storageHint(run.console)}
            >
              {run.console?.droppedAt ? <span className="font-sans">dropped</span> : formatBytes(run.consoleBytes)}
            </TD>
            <TD className="max-w-80 truncate text-sm text-ink-muted" title={run.reason ?? undefined}>
              {run.reason ?? ""}
            </TD>
            <TD className="text-right">
              <Link href={runHref(run.id)} className="text-sm font-medium text-status-running hover:underline">
                Open
              </Link>
            </TD>
          </TR>
        ))}
      </TBody>
    </Table>
  );
}

/** On hover: what the consoles take on disk and how long they stay. */
function storageHint(c: RunConsoleStorage): string | undefined {
  if (!c) return undefined;
  if (c.droppedAt)
    return `console bytes dropped by retention on ${c.droppedAt.slice(0, 10)} (${formatBytes(c.bytes)} printed)`;
  const disk =
    c.storedBytes == null ? "on disk: measured once the run is compacted" : `${formatBytes(c.storedBytes)} on disk`;
  return `${disk}; ${c.expiresOn ? `kept until ${c.expiresOn}` : "kept for ever"}`;
}
