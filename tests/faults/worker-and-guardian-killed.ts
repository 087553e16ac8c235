import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { db } from "@proofboard/db";
import { cancelRun, requestRun, runById } from "@proofboard/services";
import type { FaultContext, FaultResult, FaultScenario, WorkerProc } from "./scenario";
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
  if (!guests.length) return { ok: false, happened: "no guest of the held run was found", recoverySeconds: null };
  const decoy = lookalike(guests[0]!);
  try {
    return await killAndRestart(ctx, first, held.id, guests, decoy.pid!);
  } finally {
    decoy.kill("SIGKILL");
  }
}

/** Kills the worker and its guardian, starts the next one under the host name, and judges what it ended. */
async function killAndRestart(
  ctx: FaultContext,
  first: WorkerProc,
  heldId: string,
  guests: number[],
  decoy: number,
): Promise<FaultResult> {
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
  const untouched = alive(decoy);
  const lost = await until(
    "the held run to be lost",
    async () => {
      const r = await runById(heldId);
      return r.status === "lost" ? r : null;
    },
    20_000,
  );
  const retry = await db().run.findFirst({ where: { previousRunId: heldId } });
  if (retry) await cancelRun(retry.id, "fault suite").catch(() => undefined);
  successor.kill("SIGTERM");
  const ok = leftAlive.length === guests.length && untouched;
  return {
    ok,
    happened: `${guests.length} guest(s) outlived worker and guardian; the restarted worker ended them from the ledger in ${seconds.toFixed(1)} s; a look-alike QEMU (same argv, same paths, not in the ledger) ${untouched ? "untouched" : "was ended too"}; run ${lost.status}${retry ? ", retried" : ""}`,
    recoverySeconds: Number(seconds.toFixed(1)),
  };
}

/**
 * A process that looks like the guest to anything matching names or paths: its argv is the guest's
 * (argv[0] `qemu-system-x86_64`, the same sockets and folders), but no worker started it. Only
 * other suites' guests could stand in for it otherwise, and they end on their own.
 */
function lookalike(guestPid: number) {
  const argv = readFileSync(`/proc/${guestPid}/cmdline`, "utf8").split("\0").filter(Boolean);
  return spawn(process.execPath, ["-e", "setInterval(() => {}, 60_000)", "--", ...argv.slice(1)], {
    argv0: "qemu-system-x86_64",
    stdio: "ignore",
  });
}

export const workerAndGuardianKilled: FaultScenario = {
  id: "worker-and-guardian-killed",
  fault: "SIGKILL of a worker and its guardian with a guest running (28-character host name)",
  mustHold: "the next worker under that host name ends exactly its predecessor's leftovers (ledger), nothing else",
  budgetSeconds: 360,
  run,
};
