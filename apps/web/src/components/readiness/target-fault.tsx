"use client";

import Link from "next/link";
import { VisibleText, visibleText } from "~/components/ui/visible-text";
import { RelativeTime } from "~/components/ui/relative-time";
import { toDate } from "~/lib/time";
import { cn } from "~/lib/utils";
import { runHref } from "./links";

export interface TargetFaultInfo {
  message: string;
  /** git's first line, "fatal: bad object refs/heads/broken …" */
  summary: string;
  since: string;
  waitingRuns: number;
}

/** "10:42" today, "Nov 30 10:42" before: when a fault began, in the reader's own clock. */
function SinceTime({ iso }: { iso: string }) {
  const d = toDate(iso);
  const today = new Date().toDateString() === d.toDateString();
  const time = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });
  const text = today ? time : `${d.toLocaleDateString([], { month: "short", day: "numeric" })} ${time}`;
  return (
    <time suppressHydrationWarning dateTime={iso} title={iso}>
      {text}
    </time>
  );
}

function waitingWords(n: number): string {
  if (n === 0) return "no run waits for it";
  return n === 1 ? "1 run waits for it" : `${n} runs wait for it`;
}

/**
 * The target repository cannot be fetched: its fault, not a lane's. Calm on purpose: nothing
 * failed, runs wait and start by themselves once a fetch works. The remote's message is text,
 * already cleaned and capped by the server; the whole of it is the tooltip.
 */
export function TargetFaultBanner({ fault, className }: { fault: TargetFaultInfo; className?: string }) {
  return (
    <div
      role="status"
      data-testid="target-fault"
      title={fault.message}
      className={cn(
        "rounded border border-status-warn-edge bg-status-warn-soft px-3 py-1.5 text-sm text-status-warn-ink [overflow-wrap:anywhere]",
        className,
      )}
    >
      The target cannot be fetched since <SinceTime iso={fault.since} /> (
      <span className="font-mono text-xs">{fault.summary}</span>): {waitingWords(fault.waitingRuns)}.
    </div>
  );
}

export interface TargetWaiting {
  count: number;
  runs: { id: string; lane: string; branchName: string; commitSha: string; reason: string }[];
}

/**
 * Runs the target sent back to waiting (a commit it cannot give, a catalog that cannot be read):
 * each with why, so an operator sees on the hosts page what no host can fix.
 */
function WaitingOnTarget({ waiting }: { waiting: TargetWaiting }) {
  const more = waiting.count - waiting.runs.length;
  return (
    <div data-testid="target-waiting" className="flex flex-col gap-0.5 text-sm">
      <span className="text-status-warn-ink">
        {waiting.count === 1 ? "1 run waits" : `${waiting.count} runs wait`} on the target, not on a host; each starts
        by itself once its commit and catalog can be read:
      </span>
      <ul className="flex flex-col gap-0.5 pl-3">
        {waiting.runs.map((r) => (
          <li key={r.id} className="flex min-w-0 flex-wrap items-baseline gap-x-2" data-run={r.id}>
            <Link href={runHref(r.id)} className="font-mono hover:underline">
              <VisibleText text={r.lane} />
            </Link>
            <span className="text-ink-muted">
              on <VisibleText text={r.branchName} /> <span className="font-mono">{r.commitSha.slice(0, 10)}</span>
            </span>
            <span
              className="min-w-0 basis-full truncate font-mono text-xs text-ink-muted sm:basis-0 sm:flex-1"
              title={visibleText(r.reason)}
              data-testid="waiting-reason"
            >
              {visibleText(r.reason)}
            </span>
          </li>
        ))}
        {more > 0 && <li className="text-ink-muted">and {more} more</li>}
      </ul>
    </div>
  );
}

/** The hosts page's line on the target: the last fetch that worked, the fault that stops it now, the runs that wait. */
export function TargetFetchLine({
  target,
}: {
  target: {
    name: string;
    url: string;
    fetchedAt: string | null;
    fault: TargetFaultInfo | null;
    waiting: TargetWaiting;
  };
}) {
  return (
    <div className="flex flex-col gap-1 border-b border-line px-3 py-2 text-sm" data-testid="target-fetch">
      <div className="flex flex-wrap items-baseline gap-x-2">
        <span className="font-medium text-ink">Target</span>
        <span className="font-mono" title={target.url}>
          {target.name}
        </span>
        <span className="text-ink-muted">
          {target.fetchedAt ? (
            <>
              {/* beside a fault's start time, a clock time too: "just now" next to "since 14:07" reads as a contradiction */}
              last good fetch{" "}
              {target.fault ? <SinceTime iso={target.fetchedAt} /> : <RelativeTime date={target.fetchedAt} />}
            </>
          ) : (
            "no good fetch recorded yet"
          )}
        </span>
        {!target.fault && <span className="text-status-passed-ink">fetches work</span>}
      </div>
      {target.fault && <TargetFaultBanner fault={target.fault} />}
      {target.waiting.count > 0 && <WaitingOnTarget waiting={target.waiting} />}
    </div>
  );
}
