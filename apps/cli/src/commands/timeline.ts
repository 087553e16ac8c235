import { EXIT } from "../errors";
import { clean, formatTime, list, shortSha, table, type Cell } from "../output";
import { wholeOption, type Command } from "./context";

/**
 * `timeline BRANCH [--gate G] [--limit N]`: when BRANCH (and each gate) turned READY or NOT READY,
 * newest first, with the commit and the run that did it. "start" marks the first verdict Proofboard
 * recorded, a starting point rather than a change.
 */
export const timeline: Command = async (ctx) => {
  const branch = ctx.args[0]!;
  const gate = ctx.options.get("gate");
  const limit = wholeOption(ctx, "limit", 1, 200) ?? 20;
  const t = await ctx.api.readiness.timeline.query({ repository: ctx.config.repository, branch, gate, limit });
  if (ctx.flags.has("json")) {
    ctx.out.json(t);
    return EXIT.ok;
  }
  const { out } = ctx;
  if (t.changes.length === 0) {
    out.line(
      `no readiness changes recorded for ${clean(branch)}${gate === undefined ? "" : ` gate ${clean(gate)}`} yet`,
    );
    return EXIT.ok;
  }
  const rows = t.changes.map((c): Cell[] => [
    formatTime(c.at),
    c.gate === null ? "release-ready" : `gate ${c.gate}`,
    c.ready ? { text: "READY", style: "green" } : { text: "NOT READY", style: "red" },
    c.initial ? { text: "start", style: "dim" } : "",
    `${shortSha(c.commitSha)} ${c.commitSubject ?? ""}`.trimEnd(),
    c.runId ?? (c.initial ? "-" : "new head"),
    list(c.missing),
  ]);
  for (const l of table(out, ["WHEN", "WHAT", "VERDICT", "", "COMMIT", "RUN", "MISSING"], rows)) out.line(l);
  if (t.more) out.info(`older changes exist: --limit ${Math.min(200, limit * 2)} shows more`);
  return EXIT.ok;
};
