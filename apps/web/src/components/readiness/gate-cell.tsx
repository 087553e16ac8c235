import { CheckIcon } from "./icons";
import { LaneChip } from "./lane-chip";
import { RerunTag } from "./rerun-tag";
import type { GateSummary } from "./types";

/** One release gate of one branch: a green check, or how much is missing and which lanes. */
export function GateCell({ gate }: { gate: GateSummary | undefined }) {
  if (!gate) return <span className="text-sm text-ink-muted">not in this commit&apos;s catalog</span>;
  if (gate.green) {
    const flaky = gate.lanes.filter((l) => l.flaky).map((l) => l.lane);
    // green stays green while a passed lane is rerun: the rerun only replaces the verdict once it ends
    const rerunning = gate.lanes.filter((l) => l.rerun);
    return (
      <span
        data-gate={gate.id}
        data-green="true"
        className="inline-flex items-center gap-1 text-sm font-medium text-status-passed-ink"
      >
        <CheckIcon className="size-4" />
        green
        {flaky.length > 0 && (
          // A pass that needed a retry is counted, but it is not a clean green.
          <span
            className="rounded bg-status-warn-tint px-1 text-xs text-status-warn-ink"
            title={`passed only after a retry: ${flaky.join(", ")}`}
          >
            {flaky.length} flaky
          </span>
        )}
        {rerunning.length > 0 && (
          <span className="ml-1 font-normal" data-testid="gate-rerunning">
            <RerunTag
              rerun={rerunning.some((l) => l.rerun?.status === "running") ? { status: "running" } : rerunning[0]!.rerun}
            />
            {rerunning.length > 1 && <span className="text-xs text-status-running-ink"> ×{rerunning.length}</span>}
          </span>
        )}
      </span>
    );
  }
  const missing = gate.lanes.filter((l) => gate.missing.includes(l.lane));
  return (
    <div data-gate={gate.id} data-green="false" className="flex flex-col gap-1 py-1">
      <span className="text-sm text-ink">
        <span className="font-medium">{gate.missing.length}</span> of {gate.lanes.length} missing
      </span>
      <span className="flex flex-wrap gap-1">
        {missing.map((lane) => (
          <LaneChip key={lane.lane} readiness={lane} />
        ))}
      </span>
    </div>
  );
}
