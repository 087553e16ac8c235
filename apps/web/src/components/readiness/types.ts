import type { RouterOutputs } from "~/trpc/types";

/** Names for the API's output shapes, so components say which part of a page they render. */
export type Overview = RouterOutputs["branches"]["list"];
export type OverviewBranch = Overview["branches"][number];
export type GateSummary = OverviewBranch["gates"][number];
/** A lane as the overview has it: state and the run a chip links to (the branch page has more). */
export type LaneGlance = GateSummary["lanes"][number];

export type BranchDetail = RouterOutputs["branches"]["get"];
export type BranchGate = BranchDetail["gates"][number];
export type LaneReadiness = BranchGate["lanes"][number];
export type RunSummary = NonNullable<LaneReadiness["headRun"]>;
export type LaneDetail = BranchDetail["lanes"][number];
export type Profile = BranchDetail["profiles"][number];

export type RunRow = RouterOutputs["runs"]["list"][number];
export type CatalogInForce = RouterOutputs["lanes"]["list"];
export type HostRow = RouterOutputs["hosts"]["list"][number];
