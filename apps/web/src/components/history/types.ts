import type { RouterOutputs } from "~/trpc/types";

export type BranchGrid = RouterOutputs["history"]["branchGrid"];
export type GridLane = BranchGrid["lanes"][number];
export type GridCommit = BranchGrid["commits"][number];
export type GridCell = NonNullable<GridCommit["cells"][number]>;
export type LaneHistory = RouterOutputs["history"]["lane"];
export type TrendPoint = LaneHistory["trend"][number];
export type HistoryRun = LaneHistory["recent"][number];
export type Comparison = RouterOutputs["history"]["compare"];
