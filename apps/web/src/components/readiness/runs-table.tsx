import Link from "next/link";
import { Sha } from "~/components/ui/mono";
import { RelativeTime } from "~/components/ui/relative-time";
import { StatusBadge } from "~/components/ui/status-badge";
import { Table, TBody, TD, TH, THead, TR } from "~/components/ui/table";
import { HostClassBadge } from "./host-badge";
import { branchHref, runHref, runsHref } from "./links";
import { RunDuration } from "./run-cells";
import type { RunRow } from "./types";
import { VisibleText, visibleText } from "~/components/ui/visible-text";

/**
 * Where it ran, named as the hosts page names it; before a host claims it, the class it waits
 * for, muted. The name filters the list to that host's runs.
 */
function RunHost({ run }: { run: RunRow }) {
  if (run.hostName) {
    return (
      <Link
        href={runsHref({ host: run.hostName })}
        className="block truncate font-mono text-sm hover:underline"
        title={`runs on ${visibleText(run.hostName)}`}
      >
        <VisibleText text={run.hostName} />
      </Link>
    );
  }
  return (
    <span className="inline-flex items-center gap-1 text-sm text-ink-muted" data-host-class={run.hostClass}>
      needs <HostClassBadge hostClass={run.hostClass} />
    </span>
  );
}

/**
 * Why it did not pass, on one line ("timeout: exceeded 600 s"; a multi-line reason joined with
 * spaces); nothing for a pass.
 */
function failureText(run: RunRow): string | null {
  if (run.status === "passed") return null;
  const text = [run.failureKind, run.reason].filter(Boolean).join(": ").replace(/\s+/g, " ").trim();
  return text || null;
}

function RunTableRow({ run }: { run: RunRow }) {
  const failure = failureText(run);
  return (
    <TR data-run={run.id}>
      <TD>
        <StatusBadge status={run.status} title={run.reason ?? undefined} />
      </TD>
      <TD>
        <Link
          href={runsHref({ lane: run.lane })}
          className="font-mono font-medium hover:underline"
          title="runs of this lane"
        >
          <VisibleText text={run.lane} />
        </Link>
      </TD>
      <TD className="max-w-64">
        <Link
          href={branchHref(run.branch)}
          className="block truncate font-mono hover:underline"
          title={visibleText(run.branch)}
        >
          <VisibleText text={run.branch} />
        </Link>
      </TD>
      <TD>
        <Sha sha={run.commitSha} length={8} />
      </TD>
      <TD
        className="text-right font-mono"
        title={run.attemptKind === "retry" ? "an automatic retry after an infrastructure fault" : undefined}
      >
        {run.attempt > 1 ? (
          `#${run.attempt}${run.attemptKind === "retry" ? " ↻" : ""}`
        ) : (
          <span className="text-ink-muted">1</span>
        )}
      </TD>
      {/* who or what started it: "rerun by olga", "queued by push to main", "automatic retry 1 of 3 …" */}
      <TD
        className="max-w-64 truncate text-sm text-ink-muted"
        data-testid="run-origin"
        data-trigger={run.trigger}
        title={visibleText(run.origin)}
      >
        <VisibleText text={run.origin} />
      </TD>
      <TD className="max-w-40" data-testid="run-host">
        <RunHost run={run} />
      </TD>
      <TD className="text-sm text-ink-muted">
        <RelativeTime date={run.queuedAt} />
      </TD>
      <TD className="text-sm text-ink-muted">{run.startedAt ? <RelativeTime date={run.startedAt} /> : "—"}</TD>
      <TD>
        <RunDuration run={run} />
      </TD>
      <TD
        className="max-w-72 truncate text-sm text-ink-muted"
        data-testid="run-reason"
        title={failure ? visibleText(failure) : undefined}
      >
        {failure && <VisibleText text={failure} />}
      </TD>
      <TD className="text-right">
        <Link href={runHref(run.id)} className="text-sm font-medium text-status-running hover:underline">
          Open
        </Link>
      </TD>
    </TR>
  );
}

export function RunsTable({ runs }: { runs: readonly RunRow[] }) {
  return (
    <Table>
      <THead>
        <TR>
          <TH>Status</TH>
          <TH>Lane</TH>
          <TH>Branch</TH>
          <TH>Commit</TH>
          <TH className="text-right">Attempt</TH>
          <TH>Started by</TH>
          <TH>Host</TH>
          <TH>Queued</TH>
          <TH>Started</TH>
          <TH>Duration</TH>
          <TH>Reason</TH>
          <TH>
            <span className="sr-only">Open</span>
          </TH>
        </TR>
      </THead>
      <TBody>
        {runs.map((run) => (
          <RunTableRow key={run.id} run={run} />
        ))}
      </TBody>
    </Table>
  );
}
