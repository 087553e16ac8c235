import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { closeQueues, laneQueue } from "@proofboard/jobs";
import { ensureRepository, requestRun, runById, syncRepository } from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
import { makeRepo, resetDb, waitFor } from "./helpers";

/**
 * A worker asked to stop (SIGTERM: `stop({ drainMs })`) lets running lanes finish within the drain
 * time and hands back the rest; a lane that was only waiting for one of its slots never starts on
 * it, but goes back to the queue for another worker. Real worker, BullMQ, PostgreSQL and git; the
 * host claims KVM (a probe folder with /dev/kvm), so it serves two classes from one slot.
 */
const catalog = `version: 1
name: drain
lanes:
  - { name: short, description: three seconds, command: [sh, -c, "sleep 3; echo done"], group: publishable, host: tcg, timeoutSeconds: 60 }
  - { name: kvm-lane, description: a KVM lane, command: [sh, -c, "echo ran"], group: publishable, host: kvm, timeoutSeconds: 60 }
  - { name: long, description: thirty seconds, command: [sh, -c, "sleep 30"], group: publishable, host: tcg, timeoutSeconds: 120 }
gates: []
`;

function fakeKvmHost(): { dev: string; sys: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), "pb-probe-"));
  mkdirSync(path.join(root, "dev"));
  writeFileSync(path.join(root, "dev/kvm"), "");
  mkdirSync(path.join(root, "sys"));
  return { dev: path.join(root, "dev"), sys: path.join(root, "sys") };
}

const probeRoots = fakeKvmHost();
const workers: RunningWorker[] = [];
const start = async (hostName: string) => {
  const w = await startWorker({ hostName, control: false, slots: 1, probeRoots, log: () => undefined });
  workers.push(w);
  return w;
};

beforeAll(async () => {
  await resetDb();
  for (const c of ["kvm", "tcg"] as const) await laneQueue(c).obliterate({ force: true });
  const target = makeRepo({ "proofboard.yaml": catalog });
  await syncRepository(await ensureRepository("itest", target.dir));
}, 60_000);

afterAll(async () => {
  for (const w of workers) await w.stop();
  await closeQueues();
  await disconnectDb();
});

const status = async (id: string) => (await runById(id)).status;

describe("a worker that stops", () => {
  it("finishes its running lane within the drain time and starts none of those waiting for its slot", async () => {
    const w = await start("drain-a");
    expect(w.classes).toEqual(["kvm", "tcg"]);
    const short = await requestRun({ repository: "itest", branch: "main", lane: "short" });
    await waitFor("the short lane to run", async () => (await status(short.id)) === "running");
    // Taken by the kvm queue's worker while the one slot is busy: it waits for the slot.
    const waiting = await requestRun({ repository: "itest", branch: "main", lane: "kvm-lane" });
    await waitFor("the kvm job to be taken", async () => (await laneQueue("kvm").getActiveCount()) === 1);

    await w.stop({ drainMs: 20_000 });
    expect(await status(short.id)).toBe("passed");
    expect(await status(waiting.id)).toBe("queued");
    expect((await runById(waiting.id)).hostId).toBeNull();
    expect(await laneQueue("kvm").getJobCounts("wait", "active")).toEqual({ wait: 1, active: 0 });

    // Another worker takes it.
    const other = await start("drain-b");
    await waitFor("the handed-back run to pass", async () => (await status(waiting.id)) === "passed", 60_000);
    expect((await runById(waiting.id)).hostId).toBe(other.hostId);
    await other.stop();
  }, 120_000);

  it("hands back a lane still running when the drain time is up: lost, and retried", async () => {
    const w = await start("drain-c");
    const long = await requestRun({ repository: "itest", branch: "main", lane: "long" });
    await waitFor("the long lane to run", async () => (await status(long.id)) === "running");
    const before = Date.now();
    await w.stop({ drainMs: 1000 });
    expect(Date.now() - before).toBeLessThan(15_000);
    const run = await runById(long.id);
    expect({ status: run.status, reason: run.reason }).toMatchObject({
      status: "lost",
      reason: expect.stringContaining("shut down") as unknown,
    });
    const retry = await db().run.findFirst({ where: { previousRunId: long.id, trigger: "retry" } });
    expect(retry?.status).toBe("queued");
  }, 60_000);
});
