"use client";

import type { ComponentProps } from "react";
import { formatRelative, toDate, type TimeInput } from "~/lib/time";
import { useNow } from "~/lib/use-now";
import { cn } from "~/lib/utils";

export type RelativeTimeProps = Omit<ComponentProps<"time">, "children" | "dateTime"> & {
  date: TimeInput;
  /** "4s ago" under a minute, refreshed every second (heartbeats); otherwise "just now", every 30 s */
  seconds?: boolean;
};

/** "3m ago", refreshed every 30 s; the exact ISO time is in the title and the dateTime attribute. */
export function RelativeTime({ date, seconds = false, className, title, ...props }: RelativeTimeProps) {
  const now = useNow(seconds ? 1_000 : 30_000);
  const d = toDate(date);
  const iso = Number.isFinite(d.getTime()) ? d.toISOString() : undefined;
  return (
    // Server and browser clocks differ by the render delay, so the first text may legitimately differ.
    <time
      suppressHydrationWarning
      dateTime={iso}
      title={title ?? iso}
      className={cn("whitespace-nowrap", className)}
      {...props}
    >
      {formatRelative(d, now, seconds)}
    </time>
  );
}
