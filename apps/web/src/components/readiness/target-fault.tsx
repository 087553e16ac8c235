"use client";

import { RelativeTime } from "~/components/ui/relative-time";
import { toDate } from "~/lib/time";
import { cn } from "~/lib/utils";

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

/** The hosts page's line on the target: the last fetch that worked, and the fault that stops it now. */
export function TargetFetchLine({
  target,
}: {
  target: { name: string; url: string; fetchedAt: string | null; fault: TargetFaultInfo | null };
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
              last good fetch <RelativeTime date={target.fetchedAt} />
            </>
          ) : (
            "no good fetch recorded yet"
          )}
        </span>
        {!target.fault && <span className="text-status-passed-ink">fetches work</span>}
      </div>
      {target.fault && <TargetFaultBanner fault={target.fault} />}
    </div>
  );
}
