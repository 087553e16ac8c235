import type { BranchReadiness, Catalog, GateReadiness, LaneReadiness, LaneState, RunStatus, RunSummary } from "./types";

const STATE_OF: Record<RunStatus, LaneState> = {
  passed: "passed",
  waiting: "queued",
  queued: "queued",
  running: "running",
  failed: "failed",
  timed_out: "failed",
  unsupported: "failed",
  canceled: "failed",
  lost: "failed",
  error: "failed",
  skipped: "failed",
};

/** Newest first: by queue time, then attempt; the id only makes equal runs order the same way every time. */
function newerFirst(a: RunSummary, b: RunSummary): number {
  return (
    b.queuedAt.getTime() - a.queuedAt.getTime() || b.attempt - a.attempt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)
  );
}

/** Queued, waiting or running: its result is not known yet. */
const inFlight = (run: RunSummary) => STATE_OF[run.status] === "queued" || STATE_OF[run.status] === "running";

/**
 * Release-readiness of a branch. Only runs on `headSha` count: a pass on an older commit proves that
 * commit, not this one, so it is reported as `stalePass` and never turns anything green. The newest
 * final run on the head decides, so a failed rerun after a pass makes the lane failed again; a rerun
 * still under way changes nothing until it ends (the verdict stands, `rerun` shows it coming). A
 * lane with no final run on the head is as queued or running as its newest run.
 */
export function computeBranchReadiness(input: {
  headSha: string;
  catalog: Catalog;
  runs: RunSummary[];
}): BranchReadiness {
  const { headSha, catalog } = input;
  const runsByLane = new Map<string, RunSummary[]>();
  for (const run of input.runs) {
    const list = runsByLane.get(run.lane);
    if (list) list.push(run);
    else runsByLane.set(run.lane, [run]);
  }

  const lanes: Record<string, LaneReadiness> = {};
  for (const lane of catalog.lanes) {
    const runs = [...(runsByLane.get(lane.name) ?? [])].sort(newerFirst);
    const onHead = runs.filter((r) => r.commitSha === headSha);
    const headRun = onHead.find((r) => !inFlight(r)) ?? onHead[0] ?? null;
    // only a run newer than the verdict can replace it; an older one still running never will
    const rerun = headRun && !inFlight(headRun) && onHead[0] && inFlight(onHead[0]) ? onHead[0] : null;
    const state: LaneState = headRun ? STATE_OF[headRun.status] : "never-run";
    const stalePass =
      state === "passed" ? null : (runs.find((r) => r.commitSha !== headSha && r.status === "passed") ?? null);
    // A pass that needed a retry on the same commit says the lane is unreliable, whatever it proves.
    const flaky = state === "passed" && onHead.some((r) => r.status === "failed" || r.status === "timed_out");
    lanes[lane.name] = { lane: lane.name, state, headRun, rerun, stalePass, flaky };
  }

  const gates: GateReadiness[] = catalog.gates.map((gate) => {
    const gateLanes = gate.lanes.map((name) => lanes[name] ?? neverRun(name));
    const missing = gateLanes.filter((l) => l.state !== "passed").map((l) => l.lane);
    return { gate, green: missing.length === 0, lanes: gateLanes, missing };
  });

  const release = gates.filter((g) => g.gate.release);
  const missingSet = new Set(release.flatMap((g) => g.missing));
  return {
    headSha,
    // with no release gate nothing has been declared sufficient, so nothing can be release-ready
    releaseReady: release.length > 0 && release.every((g) => g.green),
    gates,
    lanes,
    missing: catalog.lanes.map((l) => l.name).filter((name) => missingSet.has(name)),
  };
}

/** Only reachable for a hand-built catalog whose gate names an unknown lane; parseCatalog refuses those. */
function neverRun(lane: string): LaneReadiness {
  return { lane, state: "never-run", headRun: null, rerun: null, stalePass: null, flaky: false };
}

/** The lane's run still under way on the head, if any: its rerun, or its head run while no result is known. */
export function runUnderWay(readiness: LaneReadiness | undefined): RunSummary | null {
  if (!readiness) return null;
  return readiness.rerun ?? (readiness.state === "queued" || readiness.state === "running" ? readiness.headRun : null);
}

/**
 * The lanes to enqueue so that `laneNames` can run on the head: the requested lanes themselves (always,
 * since the person asked for them) plus their transitive `needs`, ordered dependencies first, ties in
 * catalog order. A need that already passed on the head is not rerun, and neither is one that is queued
 * or running there (a failed lane's rerun included): enqueuing it again would only run the same lane
 * twice on the same commit.
 * Throws on a lane name the catalog does not know.
 */
export function lanesToRun(readiness: BranchReadiness, catalog: Catalog, laneNames: Iterable<string>): string[] {
  const byName = new Map(catalog.lanes.map((l) => [l.name, l]));
  const wanted = new Set<string>();
  const settled = (name: string) => {
    return readiness.lanes[name]?.state === "passed" || runUnderWay(readiness.lanes[name]) !== null;
  };
  const visit = (name: string, requested: boolean) => {
    if (wanted.has(name)) return;
    const lane = byName.get(name);
    if (!lane) throw new Error(`unknown lane ${JSON.stringify(name)} in catalog ${JSON.stringify(catalog.name)}`);
    // a settled need's own needs were settled for it already; walking past it would rerun them for nothing
    if (!requested && settled(name)) return;
    wanted.add(name);
    for (const need of lane.needs) visit(need, false);
  };
  for (const name of laneNames) visit(name, true);

  const ordered: string[] = [];
  const placed = new Set<string>();
  while (ordered.length < wanted.size) {
    const next = catalog.lanes.find(
      (l) => wanted.has(l.name) && !placed.has(l.name) && l.needs.every((n) => placed.has(n) || !wanted.has(n)),
    );
    if (!next) throw new Error(`dependency cycle among ${[...wanted].filter((n) => !placed.has(n)).join(", ")}`);
    ordered.push(next.name);
    placed.add(next.name);
  }
  return ordered;
}
