import { Badge } from "~/components/ui/badge";
import { Section } from "~/components/ui/card";
import { CheckIcon } from "./icons";
import { LaneChip } from "./lane-chip";
import { LaneTable } from "./lane-table";
import { RerunMissing } from "./rerun-missing";
import type { BranchGate, LaneDetail, LaneReadiness } from "./types";

function GateState({ gate }: { gate: BranchGate }) {
  if (gate.green) {
    return (
      <span className="inline-flex items-center gap-1 font-medium text-status-passed-ink">
        <CheckIcon className="size-3.5" />
        green on this commit
      </span>
    );
  }
  return (
    <span>
      <span className={gate.release ? "font-medium text-status-failed" : "font-medium text-ink"}>
        {gate.missing.length} of {gate.lanes.length} missing
      </span>
      <span className="text-ink-muted">: {gate.missing.join(", ")}</span>
    </span>
  );
}

/** Missing lanes nobody is running yet (a failed lane being rerun is under way): what "Rerun missing" would queue. */
export function idleMissing(gate: BranchGate): number {
  return gate.lanes.filter(
    (l) => gate.missing.includes(l.lane) && (l.state === "failed" || l.state === "never-run") && !l.rerun,
  ).length;
}

export type GateSectionProps = {
  gate: BranchGate;
  branch: string;
  /** Lanes of this gate shown here for the first time on the page. */
  lanes: readonly LaneDetail[];
  /** Lanes of this gate already shown in an earlier gate: each lane has one row, so tests and anchors stay unique. */
  shownAbove: readonly LaneReadiness[];
};

export function GateSection({ gate, branch, lanes, shownAbove }: GateSectionProps) {
  return (
    <Section
      data-gate={gate.id}
      data-green={gate.green}
      title={
        <span className="inline-flex items-center gap-2">
          {gate.name}
          {gate.release && <Badge variant="muted">release gate</Badge>}
        </span>
      }
      description={<GateState gate={gate} />}
      actions={<RerunMissing branch={branch} gate={gate.id} count={idleMissing(gate)} label="Rerun missing" />}
      className={gate.release && !gate.green ? "border-status-failed-edge" : undefined}
      flush
    >
      {lanes.length > 0 && <LaneTable branch={branch} rows={lanes} />}
      {shownAbove.length > 0 && (
        <div className="flex flex-wrap items-center gap-1 border-t border-line px-3 py-1.5 text-sm text-ink-muted first:border-t-0">
          <span>{lanes.length > 0 ? "Also in this gate, listed above:" : "All its lanes are listed above:"}</span>
          {shownAbove.map((lane) => (
            <LaneChip key={lane.lane} readiness={lane} />
          ))}
        </div>
      )}
    </Section>
  );
}
