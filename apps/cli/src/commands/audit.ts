import { formatTime, table } from "../output";
import { runArg, wholeOption, type Command, type Ctx } from "./context";

const limitOf = (ctx: Ctx) => wholeOption(ctx, "limit", 1, 500) ?? 50;

/** `audit [--run ID] [--actor NAME] [--limit N]`: who changed what, when and from where; newest first. */
export const audit: Command = async (ctx) => {
  // Not an admin (or no token): the server's refusal says who you are and what it needs (exit 4).
  const run = ctx.options.get("run");
  const rows = await ctx.api.audit.list.query({
    limit: limitOf(ctx),
    runId: run === undefined ? undefined : await runArg(ctx, run),
    actor: ctx.options.get("actor"),
  });
  if (ctx.flags.has("json")) {
    ctx.out.json(rows);
    return 0;
  }
  if (rows.length === 0) {
    ctx.out.line("no audit events");
    return 0;
  }
  const cells = rows.map((e) => [
    formatTime(e.at),
    e.actor,
    e.role,
    e.address,
    e.action,
    [e.runId && `run ${e.runId}`, e.branch && `branch ${e.branch}`, e.lane && `lane ${e.lane}`]
      .filter(Boolean)
      .join(" ") || "-",
    e.outcome === "ok" ? { text: "ok", style: "green" as const } : { text: e.outcome, style: "red" as const },
    e.summary ?? "",
  ]);
  for (const l of table(ctx.out, ["WHEN", "WHO", "ROLE", "FROM", "ACTION", "TARGET", "OUTCOME", "SUMMARY"], cells))
    ctx.out.line(l);
  return 0;
};
