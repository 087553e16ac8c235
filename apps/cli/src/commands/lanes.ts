import { clean, formatDuration, list, table } from "../output";
import type { Command } from "./context";

/** `lanes`: the catalog in force, at a branch's head when one is given, else the server's default. */
export const lanes: Command = async (ctx) => {
  const branch = ctx.options.get("branch");
  const resolved = await ctx.api.lanes.list.query({ repository: ctx.config.repository, branch });
  if (ctx.flags.has("json")) {
    ctx.out.json(resolved);
    return 0;
  }
  const { out } = ctx;
  const { catalog, source } = resolved;
  out.line(
    `catalog ${clean(catalog.name)} from ${clean(source)}${branch === undefined ? "" : ` (head of ${clean(branch)})`}`,
  );
  if (resolved.overlay) {
    out.line(`site overlay ${clean(resolved.overlay.file)}`);
    for (const change of resolved.overlay.changes) out.line(`  ${clean(change)}`);
  }
  for (const note of resolved.notes) out.line(`note: ${clean(note)}`);
  out.line();
  const laneRows = catalog.lanes.map((l) => [
    l.name,
    l.host,
    l.group,
    l.profile ?? "-",
    formatDuration(l.timeoutSeconds * 1000),
  ]);
  for (const l of table(out, ["LANE", "HOST CLASS", "GROUP", "PROFILE", "TIMEOUT"], laneRows)) out.line(l);
  out.line();
  const gateRows = catalog.gates.map((g) => [g.id, g.name, g.release ? "yes" : "no", list(g.lanes)]);
  for (const l of table(out, ["GATE", "NAME", "RELEASE", "LANES"], gateRows)) out.line(l);
  return 0;
};
