import type { Outputs } from "../api";
import { clean, shortSha, type Output } from "../output";
import { noSuchConsole } from "./console";
import { runArg, type Command } from "./context";

type Diff = Outputs["consoles"]["diff"];
type Hunk = Extract<Diff, { kind: "different" }>["hunks"][number];

/**
 * `search RUN TEXT`: every console of the run searched on the server, grep-like lines
 * (`node02:118: text`) under each console's count; the totals go to stderr.
 */
export const search: Command = async (ctx) => {
  const [arg, query] = ctx.args as [string, string];
  const runId = await runArg(ctx, arg);
  const r = await ctx.api.consoles.search.query({ runId, query });
  if (ctx.flags.has("json")) {
    ctx.out.json(r);
    return 0;
  }
  for (const c of r.consoles) {
    // Each line once, as grep lists it: "4 matches on 2 lines", "300 matches on 250 lines, first 20 below".
    const onLines =
      c.matchedLines === c.count ? "" : ` on ${c.matchedLines} ${c.matchedLines === 1 ? "line" : "lines"}`;
    const shownNote = c.matchedLines > c.matches.length ? `, first ${c.matches.length} below` : "";
    const partial = c.complete ? "" : ` (searched the first ${c.bytes} of ${c.length} bytes)`;
    ctx.out.line(
      ctx.out.paint(
        `${c.name}: ${c.count === 0 ? "no match" : `${c.count} ${c.count === 1 ? "match" : "matches"}${onLines}${shownNote}`}${partial}`,
        "bold",
      ),
    );
    for (const m of c.matches) {
      const text = `${clean(m.text.slice(0, m.start))}${ctx.out.paint(clean(m.text.slice(m.start, m.end)), "red")}${clean(m.text.slice(m.end))}`;
      ctx.out.line(`${c.name}:${m.line}: ${text}`);
    }
  }
  ctx.out.info(
    `${r.total} ${r.total === 1 ? "match" : "matches"} in ${r.consoles.filter((c) => c.count > 0).length} of ${r.consoles.length} consoles (${r.bytes} bytes searched in ${r.ms} ms)`,
  );
  return 0;
};

/** Consoles worth diffing: the VMs first, then the harness; operations (typed sessions) never match a past run. */
function diffable(consoles: readonly { name: string; kind: string }[]): string[] {
  return [
    ...consoles.filter((c) => c.kind !== "harness" && c.kind !== "operation"),
    ...consoles.filter((c) => c.kind === "harness"),
  ].map((c) => c.name);
}

const SCOPE: Record<string, string> = {
  ancestor: "nearest passing ancestor",
  branch: "last pass on this branch",
  "any-branch": "last pass on any branch",
};

/** `diff RUN [--console NAME]`: each console (or one) against the lane's last good run, as unified hunks. */
export const diff: Command = async (ctx) => {
  const one = ctx.options.get("console");
  const runId = await runArg(ctx, ctx.args[0]!);
  const run = await ctx.api.runs.get.query({ id: runId });
  // A name the run lacks, however it is spelled, is answered with the names it has.
  if (one !== undefined && !run.consoles.some((c) => c.name === one)) throw noSuchConsole(run, one);
  const names = one !== undefined ? [one] : diffable(run.consoles);
  const diffs: Diff[] = [];
  for (const name of names) diffs.push(await ctx.api.consoles.diff.query({ runId, console: name }));
  if (ctx.flags.has("json")) {
    ctx.out.json(one !== undefined ? diffs[0] : diffs);
    return 0;
  }
  if (diffs.length === 0) {
    ctx.out.line("no consoles to compare");
    return 0;
  }
  const first = diffs[0]!;
  if (!first.good) {
    ctx.out.line(
      `no pass of ${clean(first.run.lane)} on any branch, before or after this run: nothing to compare with`,
    );
    return 0;
  }
  const g = first.good;
  ctx.out.line(
    `last good run: ${g.id} (${shortSha(g.commitSha)} on ${clean(g.branch)}${g.scope ? `, ${SCOPE[g.scope]}` : ""})`,
  );
  for (const d of diffs) printDiff(ctx.out, d);
  return 0;
};

function printDiff(out: Output, d: Diff): void {
  const name = out.paint(d.console, "bold");
  if (d.kind === "no-good-run") out.line(`${name}: no last good run`);
  else if (d.kind === "absent-in-good")
    out.line(`${name}: not in the last good run (it has: ${d.goodConsoles.join(", ") || "no consoles"})`);
  else if (d.kind === "identical")
    out.line(`${name}: same after normalisation (${d.lines} lines)${limitedNote(d.limited)}`);
  else {
    const at =
      d.firstDifference.runLine !== null
        ? `line ${d.firstDifference.runLine}`
        : `its end (the good run went on at line ${d.firstDifference.goodLine})`;
    out.line(`${name}: first difference at ${at}${limitedNote(d.limited)}`);
    out.line(out.paint(`--- ${d.console} in the last good run ${d.good.id}`, "dim"));
    out.line(out.paint(`+++ ${d.console} in this run ${d.run.id}`, "dim"));
    for (const h of d.hunks) printHunk(out, h);
  }
}

function limitedNote(l: { lines: number; bytes: number } | null): string {
  return l ? ` (compared the first ${l.lines} lines, ${l.bytes} bytes, only)` : "";
}

/** `@@ -good +this @@` ranges as diff(1) writes them; an empty side starts at the line before. */
function range(lines: (number | null)[]): string {
  const present = lines.filter((n): n is number => n !== null);
  return present.length > 0 ? `${present[0]},${present.length}` : "0,0";
}

function printHunk(out: Output, h: Hunk): void {
  out.line(
    out.paint(`@@ -${range(h.lines.map((l) => l.goodLine))} +${range(h.lines.map((l) => l.runLine))} @@`, "dim"),
  );
  for (const l of h.lines) {
    const sign = l.op === "=" ? " " : l.op;
    out.line(out.paint(`${sign}${clean(l.text)}`, l.op === "-" ? "red" : l.op === "+" ? "green" : undefined));
  }
  if (h.omitted > 0) out.line(out.paint(`… ${h.omitted} more lines in this hunk`, "dim"));
}
