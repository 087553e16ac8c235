import Link from "next/link";
import { laneHref } from "~/components/history/links";
import { Section } from "~/components/ui/card";
import { Mono } from "~/components/ui/mono";
import { Table, TBody, TD, TH, THead, TR } from "~/components/ui/table";
import { HostClassBadge } from "./host-badge";
import { formatTimeout } from "./lane-state";
import type { CatalogInForce } from "./types";

type Catalog = CatalogInForce["catalog"];
type Lane = Catalog["lanes"][number];

function ChipList({ items, empty = "—" }: { items: readonly string[]; empty?: string }) {
  if (items.length === 0) return <span className="text-ink-muted">{empty}</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {items.map((item) => (
        <Mono key={item}>{item}</Mono>
      ))}
    </span>
  );
}

function CatalogLaneRow({ lane, profileName }: { lane: Lane; profileName: string }) {
  return (
    <TR id={`catalog-lane-${lane.name}`} data-lane={lane.name} className="scroll-mt-12 align-top target:bg-highlight">
      <TD className="py-1.5" title={lane.description}>
        <Link href={laneHref(lane.name)} className="block font-mono font-semibold whitespace-nowrap hover:underline">
          {lane.name}
        </Link>
        <div className="text-sm text-ink-muted">{lane.title}</div>
      </TD>
      <TD className="py-1.5 text-sm">{lane.group}</TD>
      <TD className="py-1.5 text-sm">{profileName}</TD>
      <TD className="py-1.5">
        <HostClassBadge hostClass={lane.host} />
      </TD>
      <TD className="py-1.5 font-mono text-sm" title={`${lane.timeoutSeconds} s`}>
        {formatTimeout(lane.timeoutSeconds)}
      </TD>
      <TD className="py-1.5">
        <ChipList items={lane.needs} />
      </TD>
      <TD className="max-w-72 py-1.5">
        <ChipList items={lane.covers} />
      </TD>
      <TD className="max-w-md py-1.5">
        <code className="block font-mono text-xs break-all whitespace-pre-wrap text-ink">{lane.command.join(" ")}</code>
      </TD>
    </TR>
  );
}

export function CatalogLanes({ catalog }: { catalog: Catalog }) {
  const profileName = (id: string | null) =>
    id == null ? "—" : (catalog.profiles.find((p) => p.id === id)?.name ?? id);
  return (
    <Section title="Lanes" description={`${catalog.lanes.length} lanes; hover a name for its description`} flush>
      <Table>
        <THead>
          <TR>
            <TH>Lane</TH>
            <TH>Group</TH>
            <TH>Profile</TH>
            <TH>Host class</TH>
            <TH>Timeout</TH>
            <TH>Needs</TH>
            <TH>Covers</TH>
            <TH>Command (argv)</TH>
          </TR>
        </THead>
        <TBody>
          {catalog.lanes.map((lane) => (
            <CatalogLaneRow key={lane.name} lane={lane} profileName={profileName(lane.profile)} />
          ))}
        </TBody>
      </Table>
    </Section>
  );
}
