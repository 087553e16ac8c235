import { clean, formatTime, list, table } from "../output";
import type { Command } from "./context";

/** `sync`: fetches branches from git now instead of waiting for the periodic sync. */
export const sync: Command = async (ctx) => {
  const s = await ctx.api.branches.sync.mutate({ repository: ctx.config.repository });
  if (ctx.flags.has("json")) {
    ctx.out.json(s);
    return 0;
  }
  const { out } = ctx;
  out.line(`synced: ${s.branches} branch${s.branches === 1 ? "" : "es"}`);
  out.line(`added    ${clean(list(s.added))}`);
  out.line(`moved    ${clean(list(s.moved))}`);
  out.line(`deleted  ${clean(list(s.deleted))}`);
  // Refused names are shown escaped: they were refused precisely because they are not safe to show.
  for (const r of s.rejected) out.line(`rejected ${clean(JSON.stringify(r.name))}: ${clean(r.reason)}`);
  return 0;
};

/** `hosts`: the workers, what they can run and how busy they are. */
export const hosts: Command = async (ctx) => {
  const rows = await ctx.api.hosts.list.query();
  if (ctx.flags.has("json")) {
    ctx.out.json(rows);
    return 0;
  }
  if (rows.length === 0) {
    ctx.out.line("no hosts: start a worker (bash scripts/start.sh)");
    return 0;
  }
  const cells = rows.map((h) => [
    h.name,
    h.online ? { text: "online", style: "green" as const } : { text: "offline", style: "red" as const },
    list(h.classes),
    `${h.slotsInUse}/${h.slots}`,
    formatTime(h.lastHeartbeatAt),
  ]);
  for (const l of table(ctx.out, ["HOST", "STATE", "CLASSES", "SLOTS", "LAST HEARTBEAT"], cells)) ctx.out.line(l);
  return 0;
};
