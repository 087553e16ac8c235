import type { Outputs } from "../api";
import { clean, formatDuration, heldSuffix, shortSha, table, type Cell } from "../output";
import { runArg, type Command } from "./context";

type RunDetail = Outputs["runs"]["get"];
type ConsoleDetail = RunDetail["consoles"][number];

const VERDICT_STYLE = { passed: "green", failed: "red", "no-output": "yellow" } as const;

/** "node04: no output captured (expected from …)": a console the lane promised and never printed. */
export function silentConsoleLine(c: ConsoleDetail, live: boolean): string | null {
  if (c.length > 0 || !c.expectedFrom) return null;
  return `${c.name}: ${live && !c.closed ? "no output yet" : "no output captured"} (expected from ${clean(c.expectedFrom)})`;
}

/** "attempt 2, rerun by olga", "attempt 3, automatic retry 2 of 3 after an infrastructure fault": never alike. */
export function attemptWords(run: Pick<RunDetail, "attempt" | "origin">): string {
  return `attempt ${run.attempt}, ${clean(run.origin)}`;
}

/** `run RUN`: one run at a glance: how it ended, and each console's verdict and first failure. */
export const runCommand: Command = async (ctx) => {
  const run = await ctx.api.runs.get.query({ id: await runArg(ctx, ctx.args[0]!) });
  if (ctx.flags.has("json")) {
    ctx.out.json(run);
    return run.status === "passed" ? 0 : 1;
  }
  const took =
    run.finishedAt && run.durationSeconds != null
      ? ` in ${formatDuration(run.durationSeconds * 1000)}${heldSuffix(run)}`
      : "";
  ctx.out.line(
    `${run.id}  ${clean(run.lane)} on ${clean(run.branch)} at ${shortSha(run.commitSha)}, ${attemptWords(run)}`,
  );
  const live = run.status === "running" || run.status === "queued" || run.status === "waiting";
  // A queued run's reason is what it waits for (a host class none serves, a busy host, a retry's backoff).
  const why = run.reason ?? run.waiting;
  ctx.out.line(
    `${ctx.out.paint(run.status, run.status === "passed" ? "green" : live ? undefined : "red")}${took}${why ? `: ${clean(why)}` : ""}`,
  );
  const rows: Cell[][] = run.consoles.map((c) => {
    const verdict =
      c.name === "harness" ? "" : c.verdict === "clean" ? "no failure seen" : (c.verdict ?? (live ? "…" : ""));
    const first = c.markers[0];
    return [
      c.name === run.firstFailing ? { text: `${c.name} *`, style: "bold" } : c.name,
      { text: verdict.replace("-", " "), style: VERDICT_STYLE[verdict as keyof typeof VERDICT_STYLE] },
      String(c.length),
      String(c.lines),
      first ? `${first.line}: ${first.text}` : "",
    ];
  });
  ctx.out.line();
  for (const l of table(ctx.out, ["CONSOLE", "VERDICT", "BYTES", "LINES", "FIRST FAILURE"], rows)) ctx.out.line(l);
  for (const c of run.consoles) {
    const silent = silentConsoleLine(c, live);
    if (silent) ctx.out.line(silent);
  }
  if (run.firstFailing) {
    const first = run.consoles.find((c) => c.name === run.firstFailing)?.markers[0];
    ctx.out.line(
      `first failure: ${run.firstFailing}${first ? ` line ${first.line}` : ""} (proofboard console ${run.id} --console ${run.firstFailing})`,
    );
  }
  // `proofboard run ID && deploy` must not go ahead on a run that has not passed yet.
  return run.status === "passed" ? 0 : 1;
};
