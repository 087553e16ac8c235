import { UsageError } from "../errors";
import { formatTime, table, type Cell } from "../output";
import { wholeOption, type Command } from "./context";

const STATE_STYLE: Record<string, "green" | "red" | "yellow" | undefined> = {
  delivered: "green",
  failed: "red",
  pending: "yellow",
};

/** `hooks`: webhook receivers (admins), their events and counts, and whether commit statuses are on. */
export const hooks: Command = async (ctx) => {
  const data = await ctx.api.news.hooks.query();
  if (ctx.flags.has("json")) {
    ctx.out.json(data);
    return 0;
  }
  if (data.hooks.length === 0) ctx.out.line("no webhooks");
  else {
    const cells = data.hooks.map((h): Cell[] => [
      h.id,
      h.name,
      h.enabled ? { text: "on", style: "green" } : { text: "off", style: "red" },
      h.format,
      h.events.join(","),
      h.branchFilter ?? "*",
      `${h.counts.delivered} ok, ${h.counts.pending} waiting, ${h.counts.failed} failed`,
      h.url,
    ]);
    for (const l of table(ctx.out, ["ID", "NAME", "SENDS", "FORMAT", "EVENTS", "BRANCHES", "DELIVERIES", "URL"], cells))
      ctx.out.line(l);
  }
  ctx.out.line(
    data.forge
      ? `commit statuses: ${data.forge.forge} ${data.forge.repo} (${data.forge.apiUrl})`
      : "commit statuses: off (PROOFBOARD_FORGE unset)",
  );
  return 0;
};

/** `deliveries HOOK|forge [--limit N]`: what was sent, how it was answered, newest first. */
export const deliveries: Command = async (ctx) => {
  const target = ctx.args[0]!;
  if (target !== "forge" && !/^[0-9a-f-]{36}$/i.test(target))
    throw new UsageError(
      `HOOK is a hook id (see \`proofboard hooks\`) or "forge", not ${JSON.stringify(target.slice(0, 60))}`,
      ctx.spec,
    );
  const rows = await ctx.api.news.deliveries.query({ target, limit: wholeOption(ctx, "limit", 1, 200) ?? 50 });
  if (ctx.flags.has("json")) {
    ctx.out.json(rows);
    return 0;
  }
  if (rows.length === 0) {
    ctx.out.line("nothing sent yet");
    return 0;
  }
  const cells = rows.map((d): Cell[] => [
    d.id,
    formatTime(d.lastAttemptAt ?? d.createdAt),
    { text: d.status, style: STATE_STYLE[d.status] },
    String(d.attempts),
    d.responseStatus === null ? "-" : String(d.responseStatus),
    d.error ?? "",
    d.summary,
  ]);
  for (const l of table(ctx.out, ["ID", "SENT", "STATE", "TRIES", "HTTP", "ERROR", "EVENT"], cells)) ctx.out.line(l);
  return 0;
};

/** `redeliver ID`: send a delivery again now, with a full set of attempts. */
export const redeliverCommand: Command = async (ctx) => {
  const id = ctx.args[0]!;
  if (!/^[0-9a-f-]{36}$/i.test(id))
    throw new UsageError(
      `ID is a delivery id (see \`proofboard deliveries\`), not ${JSON.stringify(id.slice(0, 60))}`,
      ctx.spec,
    );
  await ctx.api.news.redeliver.mutate({ id });
  ctx.out.line(`delivery ${id} is sent again within seconds`);
  return 0;
};
