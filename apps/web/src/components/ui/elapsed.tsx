"use client";

import type { ComponentProps } from "react";
import { formatApprox, formatClock, toDate, type TimeInput } from "~/lib/time";
import { useNow } from "~/lib/use-now";
import { cn } from "~/lib/utils";

export type ElapsedProps = Omit<ComponentProps<"span">, "children"> & {
  since: TimeInput;
  /** When set, the clock stops there (a finished run) instead of ticking. */
  until?: TimeInput | null;
  /** Usual duration of this lane, e.g. the median of its recent passes; adds "of ~Xm usual" and a bar. */
  expectedMs?: number | null;
};

/** Live mm:ss since `since`; over the usual duration the bar turns amber rather than growing past 100 %. */
export function Elapsed({ since, until, expectedMs, className, ...props }: ElapsedProps) {
  // A stopped clock has nothing to tick for; the slow interval only keeps the hook call unconditional.
  const now = useNow(until == null ? 1_000 : 3_600_000);
  const start = toDate(since).getTime();
  const end = until == null ? now : toDate(until).getTime();
  const elapsed = end - start;
  const expected = expectedMs != null && expectedMs > 0 ? expectedMs : null;
  const ratio = expected == null ? 0 : Math.max(0, elapsed / expected);
  const over = ratio > 1;
  return (
    <span className={cn("inline-flex min-w-0 flex-col gap-0.5", className)} {...props}>
      <span className="whitespace-nowrap tabular-nums">
        <span suppressHydrationWarning className="font-mono">
          {formatClock(elapsed)}
        </span>
        {expected != null && <span className="text-ink-muted"> of {formatApprox(expected)} usual</span>}
      </span>
      {expected != null && (
        <span
          suppressHydrationWarning
          role="progressbar"
          aria-label={`${formatClock(elapsed)} of the usual ${formatApprox(expected)}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(Math.min(ratio, 1) * 100)}
          className="block h-0.5 w-full min-w-16 overflow-hidden rounded-full bg-zinc-200"
        >
          <span
            suppressHydrationWarning
            className={cn("block h-full rounded-full", over ? "bg-status-queued" : "bg-status-running")}
            style={{ width: `${Math.min(ratio, 1) * 100}%` }}
          />
        </span>
      )}
    </span>
  );
}
