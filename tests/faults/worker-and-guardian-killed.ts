import { db } from "@proofboard/db";
import { cancelRun, requestRun, runById } from "@proofboard/services";
import type { FaultContext, FaultResult, FaultScenario } from "./scenario";
import { alive, fleetTarget, guardianOf, holder, qemuPids, until } from "./worker-fleet-support";

/** 28 characters: its VM sockets no longer fit beside the worktree and move to the temp folder. */
const LONG_NAME = "fleet-host-with-28-char-name";

/**
 * The worker and its guardian both die by SIGKILL while a guest runs (a host name long enough that
 * the serial sockets live in the temp folder). Nothing reaps the guest then; the next worker under
 * the same host name must end exactly it, from its predecessor's ledger, and nothing else.
 */
async function run(ctx: FaultContext): Promise<FaultResult> {
  await fleetTarget("fleet-ledger");
  const bystanders = await qemuPids();
  const first = await ctx.spawnWorker({ hostName: LONG_NAME, slots: 1 });
  const held = await requestRun({
    repository: "fleet-ledger",
    branch: "main",
    lane: "held",
    hold: { seconds: 600, userId: await holder() },
  });
  await until(
    "the guest to be held",
    async () => ((await runById(held.id)).holdUntil?.getTime() ?? 0) > Date.now(),
    240_000,
  );
  const guests = await qemuPids(first.pid);
  const guardian = guardianOf(first.pid);
  if (!guardian) return { ok: false, happened: "the worker's guardian was not found", recoverySeconds: null };
  process.kill(guardian, "SIGKILL");
  first.kill("SIGKILL");
  await new Promise((r) => setTimeout(r, 1000));
  const leftAlive = guests.filter(alive);
  const startedAt = Date.now();
  const successor = await ctx.spawnWorker({ hostName: LONG_NAME, slots: 1 });
  await until("the predecessor's guest to end", async () => !guests.some(alive), 20_000);
  const seconds = (Date.now() - startedAt) / 1000;
  const untouched = bystanders.filter(alive).length === bystanders.length;
  const lost = await until(
    "the held run to be lost",
    async () => {
      const r = await runById(held.id);
      return r.status === "lost" ? r : null;
    },
    20_000,
  );
  const retry = await db().run.findFirst({ where: { previousRunId: held.id } });
  if (retry) await cancelRun(retry.id, "fault suite").catch(() => undefined);
  successor.kill("SIGTERM");
  const ok = leftAlive.length === guests.length && guests.length > 0 && untouched;
  return {
    ok,
    happened: `${guests.length} guest(s) outlived worker and guardian; the restarted worker ended them from the ledger in ${seconds.toFixed(1)} s; ${bystanders.length} other guest(s) untouched; run ${lost.status}${retry ? ", retried" : ""}`,
    recoverySeconds: Number(seconds.toFixed(1)),
  };
}

export const workerAndGuardianKilled: FaultScenario = {
  id: "worker-and-guardian-killed",
  fault: "SIGKILL of a worker and its guardian with a guest running (28-character host name)",
  mustHold: "the next worker under that host name ends exactly its predecessor's leftovers (ledger), nothing else",
  budgetSeconds: 360,
  run,
};
