import { formatClock } from "~/lib/time";

/** Durations as a clock ("04:05", "1:02:03"), like the rest of the console. */
export function formatSeconds(seconds: number | null | undefined): string {
  return seconds == null ? "—" : formatClock(seconds * 1000);
}

/** "+00:30" slower, "−01:05" faster: the sign is what a reader looks for first. */
export function formatDelta(seconds: number | null | undefined): string {
  if (seconds == null) return "—";
  return `${seconds >= 0 ? "+" : "−"}${formatClock(Math.abs(seconds) * 1000)}`;
}

export function formatPercent(rate: number | null | undefined): string {
  return rate == null ? "—" : `${(rate * 100).toFixed(rate > 0 && rate < 0.1 ? 1 : 0)}%`;
}
