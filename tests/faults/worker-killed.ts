import { db } from "@proofboard/db";
import { cancelRun, requestRun, runById } from "@proofboard/services";
import type { FaultContext, FaultResult, FaultScenario } from "./scenario";
import { alive, fleetTarget, holder, lanePids, qemuPids, runOn, until } from "./worker-fleet-support";

/**
 * Two workers on one machine whose host names share a prefix (vm, vm2). vm runs a lane whose
 * children detach, beside a guest; vm2 holds a real guest. vm is killed with SIGKILL: its whole tree and guest must go at
 * once, its run must be lost and running again on a live worker within 15 s, and vm2's guest, run
 * and hold must not notice. vm restarts and touches nothing of vm2's; a second worker named vm2 is
 * refused while vm2 lives.
 */
async function run(ctx: FaultContext): Promise<FaultResult> {
  await fleetTarget("fleet-killed");
  const notes: string[] = [];
  const vm2 = await ctx.spawnWorker({ hostName: "vm2", slots: 1 });
  const held = await requestRun({
    repository: "fleet-killed",
    branch: "main",
    lane: "held",
    hold: { seconds: 600, userId: await holder() },
  });
  await until(
    "vm2's guest to be held",
    async () => ((await runById(held.id)).holdUntil?.getTime() ?? 0) > Date.now(),
    240_000,
  );
  // vm2's own guests: other QEMU processes on the machine (another suite's) are none of this test's business
  const guests = await qemuPids(vm2.pid);
  if (guests.length === 0) throw new Error("vm2 holds its run but no QEMU process of vm2's was found");
  const vm = await ctx.spawnWorker({ hostName: "vm", slots: 1 });
  // held, so its guest stays up beside the lane's children until the kill
  const doomed = await requestRun({
    repository: "fleet-killed",
    branch: "main",
    lane: "detaches-beside-guest",
    hold: { seconds: 600, userId: await holder() },
  });
  await until("the lane to run on vm", async () => (await runOn(doomed.id)).host === "vm", 60_000);
  const pids = await lanePids(doomed.id);
  const vmGuests = await qemuPids(vm.pid);
  if (vmGuests.length === 0) throw new Error("vm runs its lane but no QEMU process of vm's was found");
  // A live worker with a free slot for the retry.
  await ctx.spawnWorker({ hostName: "spare", slots: 1 });

  const killedAt = Date.now();
  vm.kill("SIGKILL");
  await until("vm's lane tree and guest to end", async () => ![...pids, ...vmGuests].some(alive), 5000);
  const treeGone = (Date.now() - killedAt) / 1000;
  notes.push(
    `vm's lane tree (setsid child included) and its guest (pid ${vmGuests.join(", ")}) gone ${treeGone.toFixed(1)} s after SIGKILL`,
  );
  await until("the run to be lost", async () => (await runById(doomed.id)).status === "lost", 20_000);
  const retry = await until(
    "its retry to run on a live worker",
    async () => {
      const r = await db().run.findFirst({ where: { previousRunId: doomed.id } });
      return r && (await runOn(r.id)).status === "running" ? r : null;
    },
    30_000,
  );
  const recovered = (Date.now() - killedAt) / 1000;
  notes.push(`lost and retried, running on ${(await runOn(retry.id)).host} after ${recovered.toFixed(1)} s`);

  const restarted = await ctx.spawnWorker({ hostName: "vm", slots: 1 });
  const stillHeld = (await runById(held.id)).status === "running" && guests.every(alive);
  notes.push(
    stillHeld
      ? `vm restarted; vm2's guest (pid ${guests.join(", ")}) and held run untouched`
      : "vm2's guest or held run was disturbed",
  );
  // spawnWorker rejects when the worker exits before it is ready, with what it printed.
  const refusal = await ctx.spawnWorker({ hostName: "vm2", slots: 1 }).then(
    () => null,
    (err: Error) => err.message,
  );
  const refused = refusal !== null && /held by a running worker/.test(refusal);
  notes.push(
    refused
      ? "a second worker named vm2 was refused at start, naming the live one's pid"
      : "a second vm2 was not refused",
  );

  await cancelRun(retry.id, "fault suite").catch(() => undefined);
  await cancelRun(held.id, "fault suite").catch(() => undefined);
  restarted.kill("SIGTERM");
  const ok = treeGone < 5 && recovered <= 15 && stillHeld && refused;
  return { ok, happened: notes.join("; "), recoverySeconds: Number(recovered.toFixed(1)) };
}

export const workerKilled: FaultScenario = {
  id: "worker-killed",
  fault: "SIGKILL of one of two workers on one machine (host names vm, vm2)",
  mustHold:
    "its lane tree and VMs end at once; run lost and retried on a live worker ≤ 15 s; vm2's VMs and hold untouched; a second vm2 refused",
  budgetSeconds: 420,
  run,
};
