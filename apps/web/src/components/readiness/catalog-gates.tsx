import { Badge } from "~/components/ui/badge";
import { Section } from "~/components/ui/card";
import { Mono } from "~/components/ui/mono";
import type { CatalogInForce } from "./types";

type Gate = CatalogInForce["catalog"]["gates"][number];

function GateItem({ gate }: { gate: Gate }) {
  return (
    <li data-gate={gate.id} className="flex flex-col gap-1 px-3 py-2">
      <div className="flex items-center gap-2">
        <span className="font-semibold">{gate.name}</span>
        {gate.release ? <Badge variant="default">release gate</Badge> : <Badge variant="muted">informational</Badge>}
        <span className="font-mono text-xs text-ink-muted">{gate.id}</span>
      </div>
      <p className="text-sm text-ink-muted">{gate.description}</p>
      <div className="flex flex-wrap gap-1">
        {gate.lanes.map((lane) => (
          <a key={lane} href={`#catalog-lane-${lane}`} className="hover:underline">
            <Mono>{lane}</Mono>
          </a>
        ))}
      </div>
    </li>
  );
}

/** Release gates first: they alone decide readiness; the others are shown for what they group. */
export function CatalogGates({ gates }: { gates: readonly Gate[] }) {
  const ordered = [...gates.filter((g) => g.release), ...gates.filter((g) => !g.release)];
  return (
    <Section title="Gates" description="every lane of a gate must pass on the same commit" flush>
      <ul className="divide-y divide-line">
        {ordered.map((gate) => (
          <GateItem key={gate.id} gate={gate} />
        ))}
      </ul>
    </Section>
  );
}
