import Link from "next/link";
import { Table, TBody, TD, TH, THead, TR } from "~/components/ui/table";
import { CatalogError } from "./catalog-error";
import { CommitLine } from "./commit-line";
import { GateCell } from "./gate-cell";
import { branchHref } from "./links";
import { MissingSummary } from "./missing-summary";
import type { Overview, OverviewBranch } from "./types";
import { Verdict } from "./verdict";
import { VisibleText, visibleText } from "~/components/ui/visible-text";

type ReleaseGate = Overview["releaseGates"][number];

function BranchRow({ branch, releaseGates }: { branch: OverviewBranch; releaseGates: readonly ReleaseGate[] }) {
  return (
    <TR data-branch={branch.name} className="align-top">
      <TD className="w-0 py-2 align-top">
        <Verdict ready={branch.releaseReady} />
      </TD>
      <TD className="max-w-[28rem] min-w-64 py-2 align-top">
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
        <TD colSpan={releaseGates.length + 1} className="py-2 align-top">
          <CatalogError message={branch.catalogError} source={branch.catalogSource} />
        </TD>
      ) : (
        <>
          {releaseGates.map((gate) => (
            <TD key={gate.id} className="py-2 align-top">
              <GateCell gate={branch.gates.find((g) => g.id === gate.id)} />
            </TD>
          ))}
          <TD className="py-2 align-top">
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
    <Table>
      <THead>
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
      <TBody>
        {overview.branches.map((branch) => (
          <BranchRow key={branch.name} branch={branch} releaseGates={overview.releaseGates} />
        ))}
      </TBody>
    </Table>
  );
}
