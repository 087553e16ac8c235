import { clean, formatTime, list, table } from "../output";
import type { Command, Ctx } from "./context";

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

/** `hosts`: the workers, what they can run and how busy they are; then runs no host can help (stderr). */
export const hosts: Command = async (ctx) => {
  const rows = await ctx.api.hosts.list.query();
  if (ctx.flags.has("json")) {
    ctx.out.json(rows);
    return 0;
  }
  await targetWaits(ctx);
  if (rows.length === 0) {
    ctx.out.line("no hosts: start a worker (bash scripts/start.sh)");
    return 0;
  }
  const cells = rows.map((h) => [
    h.name,
    hostState(h),
    list(h.classes),
    `${Math.max(h.slotsInUse, h.running.length)}/${h.slots}`,
    formatTime(h.lastHeartbeatAt),
  ]);
  for (const l of table(ctx.out, ["HOST", "STATE", "CLASSES", "SLOTS", "LAST HEARTBEAT"], cells)) ctx.out.line(l);
  return 0;
};

/** As the hosts page says it: alive but cut off from PostgreSQL is online, with what it holds for the database. */
function hostState(h: { online: boolean; databaseUnreachable: boolean; spooledBytes: number }) {
  if (!h.online) return { text: "offline", style: "red" as const };
  if (!h.databaseUnreachable) return { text: "online", style: "green" as const };
  const kib = (h.spooledBytes / 1024).toFixed(1);
  return { text: `online, no database (spooling ${kib} KiB)`, style: "yellow" as const };
}

/**
 * Runs the target sent back to waiting (a commit it cannot give, a catalog that cannot be read),
 * on stderr so stdout stays the table: the hosts page's list, for a terminal.
 */
async function targetWaits(ctx: Ctx): Promise<void> {
  const target = await ctx.api.hosts.target.query({ repository: ctx.config.repository });
  const { count, runs } = target.waiting;
  if (count === 0) return;
  const what = count === 1 ? "1 run waits" : `${count} runs wait`;
  ctx.out.info(`warning: ${what} on the target ${clean(target.name)}, not on a host:`);
  for (const r of runs) {
    const reason = clean(r.reason.replace(/\s+/g, " "));
    ctx.out.info(
      `  ${r.id.slice(0, 8)} ${clean(r.lane)} on ${clean(r.branchName)} ${r.commitSha.slice(0, 10)}: ${reason}`,
    );
  }
  if (count > runs.length) ctx.out.info(`  and ${count - runs.length} more`);
}
