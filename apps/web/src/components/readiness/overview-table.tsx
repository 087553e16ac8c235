import Link from "next/link";
import { Table, TBody, TD, TH, THead, TR } from "~/components/ui/table";
import { cn } from "~/lib/utils";
import { CatalogError } from "./catalog-error";
import { CommitLine } from "./commit-line";
import { GateCell } from "./gate-cell";
import { branchHref } from "./links";
import { MissingSummary } from "./missing-summary";
import type { Overview, OverviewBranch } from "./types";
import { Verdict } from "./verdict";
import { VisibleText, visibleText } from "~/components/ui/visible-text";

type ReleaseGate = Overview["releaseGates"][number];

/**
 * Below md a branch is a block instead of a wide row: verdict and branch, then each release gate
 * and what is missing on a line of its own, named as the hidden column headers would.
 */
const STACKED_ROW =
  "max-md:grid max-md:grid-cols-[auto_minmax(0,1fr)] max-md:gap-x-1 max-md:pb-1.5 max-md:[&>td]:h-auto max-md:[&>td]:w-auto";
const STACKED_CELL = "max-md:col-span-2 max-md:py-0.5";
const LABELLED =
  "max-md:flex max-md:items-baseline max-md:gap-2 max-md:before:w-28 max-md:before:shrink-0 max-md:before:text-xs max-md:before:leading-tight max-md:before:text-ink-muted max-md:before:content-[attr(data-label)]";

function BranchRow({ branch, releaseGates }: { branch: OverviewBranch; releaseGates: readonly ReleaseGate[] }) {
  return (
    <TR data-branch={branch.name} className={cn("align-top", STACKED_ROW)}>
      <TD className="w-0 py-2 align-top">
        <Verdict ready={branch.releaseReady} />
      </TD>
      <TD className="max-w-[28rem] min-w-64 py-2 align-top max-md:max-w-none max-md:min-w-0 2xl:max-w-[40rem]">
        <Link
          href={branchHref(branch.name)}
          className="block truncate font-mono text-base font-semibold text-ink hover:underline"
          title={visibleText(branch.name)}
        >
          <VisibleText text={branch.name} />
        </Link>
        <CommitLine sha={branch.headSha} commit={branch.commit} className="mt-0.5" />
      </TD>
      {branch.catalogError != null ? (
        <TD colSpan={releaseGates.length + 1} className={cn("py-2 align-top", STACKED_CELL)}>
          <CatalogError message={branch.catalogError} source={branch.catalogSource} />
        </TD>
      ) : (
        <>
          {releaseGates.map((gate) => (
            <TD key={gate.id} className={cn("py-2 align-top", STACKED_CELL, LABELLED)} data-label={gate.name}>
              <GateCell gate={branch.gates.find((g) => g.id === gate.id)} />
            </TD>
          ))}
          <TD className={cn("py-2 align-top", STACKED_CELL, LABELLED)} data-label="Missing">
            <MissingSummary gates={branch.gates} />
          </TD>
        </>
      )}
    </TR>
  );
}

/** One row per branch, one column per release gate: what is missing, and in what state. */
export function OverviewTable({ overview }: { overview: Overview }) {
  return (
    <Table className="max-md:block">
      <THead className="max-md:hidden">
        <TR>
          <TH>Verdict</TH>
          <TH>Branch · head commit</TH>
          {overview.releaseGates.map((gate) => (
            <TH key={gate.id} className="normal-case" title={`release gate: ${gate.lanes.join(", ")}`}>
              {gate.name}
            </TH>
          ))}
          <TH>Missing</TH>
        </TR>
      </THead>
      <TBody className="max-md:block">
        {overview.branches.map((branch) => (
          <BranchRow key={branch.name} branch={branch} releaseGates={overview.releaseGates} />
        ))}
      </TBody>
    </Table>
  );
}
