import type { Outputs } from "../api";
import { EXIT } from "../errors";
import { clean, formatDuration, keyValues, list, shortSha, statusCell, table, type Cell } from "../output";
import type { Command } from "./context";

type BranchDetail = Outputs["branches"]["get"];
type LaneReadiness = BranchDetail["gates"][number]["lanes"][number];

/** `branches`: one row per branch × release gate, the readiness overview. */
export const branches: Command = async (ctx) => {
  const filter = ctx.options.get("filter");
  const view = await ctx.api.branches.list.query({ repository: ctx.config.repository, filter });
  if (ctx.flags.has("json")) {
    ctx.out.json(view);
    return 0;
  }
  const { out } = ctx;
  if (view.repository.lastSyncError)
    out.info(`warning: the last sync of ${view.repository.name} failed: ${clean(view.repository.lastSyncError)}`);
  if (view.repository.targetFault) out.info(targetFaultLine(view.repository.targetFault));
  if (view.branches.length === 0) {
    out.line(
      filter
        ? `no branch name in ${view.repository.name} contains "${clean(filter)}"`
        : `no branches in ${view.repository.name} yet; run: proofboard sync`,
    );
    return 0;
  }
  const rows = view.branches.map((b): Cell[] => [
    b.name,
    verdictCell(b.releaseReady),
    shortSha(b.headSha),
    ...view.releaseGates.map((g) => gateMark(b.gates.find((bg) => bg.id === g.id))),
    b.catalogError ? { text: `catalog error: ${b.catalogError}`, style: "red" } : list(b.missing),
  ]);
  for (const l of table(out, ["BRANCH", "VERDICT", "HEAD", ...view.releaseGates.map((g) => g.id), "MISSING"], rows))
    out.line(l);
  out.line();
  for (const g of view.releaseGates) out.line(`${clean(g.id)}: ${clean(g.name)} (${clean(list(g.lanes))})`);
  return 0;
};

/** `status BRANCH`: the head commit against every gate, lane by lane. */
export const status: Command = async (ctx) => {
  const name = ctx.args[0]!;
  const b = await ctx.api.branches.get.query({ repository: ctx.config.repository, name });
  // Scripts branch on it (`proofboard status main && deploy`), with --json too; `branches` lists many and stays 0.
  // A catalog that cannot be read is no verdict at all: 2, as `missing` and `lanes` answer it.
  const exit = b.catalogError ? EXIT.usage : b.releaseReady ? EXIT.ok : EXIT.failed;
  if (ctx.flags.has("json")) {
    ctx.out.json(b);
    return exit;
  }
  const { out } = ctx;
  if (b.targetFault) out.info(targetFaultLine(b.targetFault));
  const verdict = verdictCell(b.releaseReady);
  const header: [string, Cell][] = [
    ["branch", b.name],
    ["head", `${shortSha(b.headSha)}  ${b.commit?.subject ?? ""}`.trimEnd()],
    ["verdict", verdict],
    ...nextStep(b),
    ["catalog", b.catalogSource ?? "-"],
  ];
  for (const l of keyValues(out, header)) out.line(l);
  if (b.catalogError) {
    out.line();
    out.line(out.paint(`catalog error: ${clean(b.catalogError)}`, "red"));
    return exit;
  }
  for (const g of b.gates) {
    out.line();
    const mark = gateMark(g);
    out.line(
      `${out.paint(typeof mark === "string" ? mark : mark.text, typeof mark === "string" ? undefined : mark.style)} gate ${clean(g.name)} [${clean(g.id)}]${g.release ? ", release gate" : ""}`,
    );
    const rows = g.lanes.map((l): Cell[] => [
      l.lane,
      laneState(l),
      l.headRun?.id ?? "-",
      l.headRun ? String(l.headRun.attempt) : "-",
      laneNote(l),
    ]);
    for (const line of table(out, ["LANE", "STATE", "RUN", "ATTEMPT", "NOTE"], rows, "  ")) out.line(line);
  }
  out.line();
  out.line(
    b.missing.length
      ? `missing: ${clean(list(b.missing))}`
      : "missing: nothing, every release gate is green on the head commit",
  );
  return exit;
};

type TargetFault = NonNullable<BranchDetail["targetFault"]>;

/** One line on stderr, so stdout stays the table a script reads: the target's fault costs runs a wait. */
function targetFaultLine(f: TargetFault): string {
  const since = `${f.since.slice(0, 16).replace("T", " ")} UTC`;
  const runs = f.waitingRuns === 1 ? "1 run waits" : `${f.waitingRuns} runs wait`;
  return `warning: the target cannot be fetched since ${since} (${clean(f.summary)}): ${f.waitingRuns ? runs : "no run waits"} for it`;
}

function verdictCell(ready: boolean): Cell {
  return ready ? { text: "READY", style: "green" } : { text: "NOT READY", style: "red" };
}

/** A branch whose catalog lacks the gate shows "?", not a cross: it is not failing it, it does not have it. */
function gateMark(g: { green: boolean } | undefined): Cell {
  if (!g) return { text: "?", style: "dim" };
  return g.green ? { text: "✓", style: "green" } : { text: "✗", style: "red" };
}

/** When the verdict comes, or what it waits for: the branch page's "Next" line. */
function nextStep(b: BranchDetail): [string, Cell][] {
  const v = b.verdict;
  if (!v || v.kind === "ready" || v.kind === "not-ready") return [];
  if (v.kind === "not-started")
    return [["next", `release lanes have not run on this commit: proofboard missing ${clean(b.name)}`]];
  if (v.noHost.length)
    return [["next", { text: `waiting: no live host can run ${clean(list(v.noHost))}`, style: "yellow" }]];
  if (v.seconds === null) return [["next", `verdict pending; no usual duration yet for ${clean(list(v.unknown))}`]];
  return [["next", `verdict in ~${formatDuration(v.seconds * 1000)}, from recent passes on each lane's host class`]];
}

function laneState(l: LaneReadiness): Cell {
  // "failed" covers timed out, lost, ...: the run's own status says which kind of failure it was.
  const run = l.headRun?.status;
  const text =
    l.state === "failed" && run && run !== "failed"
      ? `failed (${run})`
      : l.state === "never-run"
        ? "never run"
        : l.state;
  // the verdict stands while a rerun is under way: its colour stays the verdict's
  return statusCell(l.state, l.rerun ? `${text} · re-running` : text);
}

/** Reasons are lane output and may be long: the start of the first line is enough for a table. */
const REASON_CHARS = 60;

function laneNote(l: LaneReadiness): Cell {
  const notes: string[] = [];
  if (l.flaky) notes.push("flaky: passed only after a failed attempt");
  if (l.rerun) notes.push(`rerun ${l.rerun.id} ${l.rerun.status}: its result replaces this one`);
  const reason = l.state === "failed" ? clean(l.headRun?.reason?.split("\n")[0] ?? "") : "";
  if (reason) notes.push(reason.length > REASON_CHARS ? `${reason.slice(0, REASON_CHARS - 1)}…` : reason);
  if (l.stalePass) notes.push(`stale (passed on ${shortSha(l.stalePass.commitSha)})`);
  return notes.length ? { text: notes.join("; "), style: l.flaky || l.stalePass ? "yellow" : undefined } : "";
}
