import { Section } from "~/components/ui/card";
import { GateSection } from "./gate-section";
import type { LaneTableProps } from "./lane-table";
import { LaneTable } from "./lane-table";
import type { BranchDetail, LaneDetail, Profile } from "./types";

function gatesReleaseFirst(detail: BranchDetail) {
  return [...detail.gates.filter((g) => g.release), ...detail.gates.filter((g) => !g.release)];
}

/** Lanes in no gate, under "profile · group" subheadings; lanes of no profile come last. */
function otherLaneRows(lanes: readonly LaneDetail[], profiles: readonly Profile[]): LaneTableProps["rows"] {
  const profileName = (id: string | null) =>
    id == null ? "no profile" : (profiles.find((p) => p.id === id)?.name ?? id);
  const profileRank = (id: string | null) => (id == null ? profiles.length : profiles.findIndex((p) => p.id === id));
  const sorted = [...lanes].sort(
    (a, b) => profileRank(a.profile) - profileRank(b.profile) || a.group.localeCompare(b.group),
  );
  const rows: LaneTableProps["rows"][number][] = [];
  let current = "";
  for (const lane of sorted) {
    const key = `${lane.profile ?? ""}\0${lane.group}`;
    if (key !== current) {
      rows.push({ key, heading: `${profileName(lane.profile)} · ${lane.group}` });
      current = key;
    }
    rows.push(lane);
  }
  return rows;
}

/** Every lane of the head commit's catalog, once: under its first gate (release gates first), else under "Other lanes". */
export function BranchLanes({ detail }: { detail: BranchDetail }) {
  const byName = new Map(detail.lanes.map((l) => [l.name, l]));
  const shown = new Set<string>();
  const sections = gatesReleaseFirst(detail).map((gate) => {
    const fresh = gate.lanes.filter((l) => !shown.has(l.lane));
    const shownAbove = gate.lanes.filter((l) => shown.has(l.lane));
    for (const l of fresh) shown.add(l.lane);
    const lanes = fresh.flatMap((l) => byName.get(l.lane) ?? []);
    return <GateSection key={gate.id} gate={gate} branch={detail.name} lanes={lanes} shownAbove={shownAbove} />;
  });
  const others = detail.lanes.filter((l) => !shown.has(l.name));
  return (
    <div className="flex flex-col gap-3">
      {sections}
      {others.length > 0 && (
        <Section
          title="Other lanes"
          description={`${others.length} in no gate: run them for signal; they never decide readiness`}
          flush
        >
          <LaneTable branch={detail.name} rows={otherLaneRows(others, detail.profiles)} />
        </Section>
      )}
    </div>
  );
}
