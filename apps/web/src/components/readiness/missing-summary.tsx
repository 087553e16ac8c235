import { StatusDot, statusLabel } from "~/components/ui/status-badge";
import { countByStatus } from "./lane-state";
import type { GateSummary } from "./types";

/** Release lanes not passed on the head, counted by state: tells "wait" (running) from "act" (failed). */
export function MissingSummary({ gates }: { gates: readonly GateSummary[] }) {
  const seen = new Set<string>();
  const missing = gates
    .filter((g) => g.release)
    .flatMap((g) => g.lanes.filter((l) => g.missing.includes(l.lane)))
    .filter((l) => (seen.has(l.lane) ? false : (seen.add(l.lane), true)));
  const stale = missing.filter((l) => l.stalePass != null).length;
  const rerunning = missing.filter((l) => l.rerun != null).length;
  if (missing.length === 0) return <span className="text-sm text-ink-muted">nothing</span>;
  return (
    <ul className="flex flex-col gap-0.5 text-sm" aria-label={`${missing.length} release lanes missing`}>
      {countByStatus(missing).map(({ status, count }) => (
        <li key={status} className="flex items-center gap-1.5 whitespace-nowrap">
          <StatusDot status={status} />
          <span className="font-medium">{count}</span>
          <span className="text-ink-muted">{statusLabel(status)}</span>
        </li>
      ))}
      {rerunning > 0 && (
        <li
          className="text-xs text-ink-muted"
          data-testid="missing-rerunning"
          title="still missing until a rerun under way passes"
        >
          {rerunning} of them re-running
        </li>
      )}
      {stale > 0 && (
        <li className="text-xs text-ink-muted" title="passed on an older commit of this branch; never counted">
          {stale} passed only on an older commit
        </li>
      )}
    </ul>
  );
}
