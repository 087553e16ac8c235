import { formatClock, toDate } from "~/lib/time";
import type { LaneGlance, RunSummary } from "./types";

/**
 * What a lane shows: its head run's own status (so a timeout or an infra fault reads as such, not
 * as a plain "failed"), or never-run when the head commit has no run of it.
 */
export function laneStatus(readiness: LaneGlance | null | undefined): string {
  return readiness?.headRun?.status ?? "never-run";
}

/**
 * The lane's time, started to lane end, as "04:05"; null while the lane runs. A held run's hold is
 * not its duration (HeldFor shows it apart); runs without a lane end count to their finish.
 */
export function runDuration(run: Pick<RunSummary, "startedAt" | "finishedAt" | "laneEndedAt">): string | null {
  const end = run.laneEndedAt ?? run.finishedAt;
  if (run.startedAt == null || end == null) return null;
  return formatClock(toDate(end).getTime() - toDate(run.startedAt).getTime());
}

const SUMMARY_ORDER = [
  "failed",
  "timed_out",
  "error",
  "lost",
  "unsupported",
  "canceled",
  "running",
  "queued",
  "never-run",
];

/** "1 failed · 2 never run": the missing lanes counted by what is wrong with them, worst first. */
export function countByStatus(lanes: readonly LaneGlance[]): { status: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const lane of lanes) counts.set(laneStatus(lane), (counts.get(laneStatus(lane)) ?? 0) + 1);
  const rank = (s: string) => (SUMMARY_ORDER.includes(s) ? SUMMARY_ORDER.indexOf(s) : SUMMARY_ORDER.length);
  return [...counts].map(([status, count]) => ({ status, count })).sort((a, b) => rank(a.status) - rank(b.status));
}

/** A lane's timeout as people set it: "90s", "20m", "1h 30m". */
export function formatTimeout(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const rest = minutes % 60;
  return rest === 0 ? `${Math.floor(minutes / 60)}h` : `${Math.floor(minutes / 60)}h ${rest}m`;
}
