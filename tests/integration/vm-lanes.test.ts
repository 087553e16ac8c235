import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "@proofboard/auth";
import { db, disconnectDb } from "@proofboard/db";
import { resetEnvCache } from "@proofboard/env";
import { closeQueues, laneQueue } from "@proofboard/jobs";
import {
  cancelRun,
  endHold,
  ensureRepository,
  listConsoles,
  readConsole,
  requestRun,
  runById,
  sendInput,
  syncRepository,
} from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
import { makeRepo, resetDb, waitFor } from "./helpers";

/** Real QEMU guests (TCG) booted by the worker, one serial console each. */
const catalog = (services: string) => `version: 1
name: vms
lanes:
  - name: cluster
    description: three guests
    command: [bash, -c, "echo harness: nodes boot beside me; sleep 1"]
    group: publishable
    host: tcg
    timeoutSeconds: 240
    vms: { nodes: [node01, node02, node03], services: [${services}], overlay: components }
  - name: single
    description: one guest, for holding
    command: [bash, -c, "echo harness done"]
    group: publishable
    host: tcg
    timeoutSeconds: 240
    vms: { nodes: [node01], services: [chainfire], overlay: components }
gates: []
`;

/** QEMUs of this file's worker (other suites, such as the fault suite, may boot guests meanwhile). */
function qemuPids(): number[] {
  try {
    const ours = `qemu-system-x86_64 -name node0.*${process.env.PROOFBOARD_DATA_DIR}/worker/vm-host/`;
    return execFileSync("pgrep", ["-f", ours], { encoding: "utf8" }).split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

let worker: RunningWorker;
let target: ReturnType<typeof makeRepo>;

beforeAll(async () => {
  await resetDb();
  await db().$executeRawUnsafe(`DELETE FROM "session"; DELETE FROM "user";`);
  await laneQueue("tcg").obliterate({ force: true });
  target = makeRepo({
    "proofboard.yaml": catalog("chainfire, iam, fiberlb"),
    "components/chainfire.toml": "healthy = true\n",
    "components/fiberlb.toml": "healthy = true\n",
  });
  target.git("checkout", "-q", "-b", "broken");
  target.commit({ "components/fiberlb.toml": 'healthy = false\nreason = "drops backends"\n' }, "break fiberlb");
  target.git("checkout", "-q", "main");
  await syncRepository(await ensureRepository("vms", target.dir));
  process.env.PROOFBOARD_VM_ACCEL = "tcg";
  // The worker reads it through @proofboard/env, which parsed the environment before this line.
  resetEnvCache();
  worker = await startWorker({ hostName: "vm-host", control: false, slots: 2, log: () => undefined });
}, 600_000);

afterAll(async () => {
  await worker?.stop();
  await closeQueues();
  await disconnectDb();
});

const ended = (id: string, timeoutMs = 180_000) =>
  waitFor(
    `run ${id} to end`,
    async () => {
      const r = await runById(id);
      return ["queued", "running"].includes(r.status) ? null : r;
    },
    timeoutMs,
  );

describe("VMs the worker boots", () => {
  it("boots three guests whose own kernel lines and checks land on their own consoles; the verdict is their exit status", async () => {
    const run = await ended((await requestRun({ repository: "vms", branch: "main", lane: "cluster" })).id);
    expect(run.status).toBe("passed");
    const consoles = await listConsoles(run.id);
    expect(consoles.map((c) => [c.name, c.kind])).toEqual([
      ["harness", "harness"],
      ["node01", "vm"],
      ["node02", "vm"],
      ["node03", "vm"],
    ]);
    for (const node of ["node01", "node02", "node03"]) {
      const text = (await readConsole(run.id, node)).data.toString("latin1");
      expect(text).toContain("Linux version");
      expect(text).toContain(`UltraCloud guest ${node}`);
      expect(text).toContain(`RESULT: PASS ${node}`);
    }
    expect(qemuPids()).toEqual([]);
  }, 240_000);

  it("fails when a guest finds a service of the commit unhealthy", async () => {
    const run = await ended((await requestRun({ repository: "vms", branch: "broken", lane: "cluster" })).id);
    expect(run.status).toBe("failed");
    expect(run.reason).toContain("node01: 1 service(s) unhealthy");
    expect((await readConsole(run.id, "node02")).data.toString()).toContain("fiberlb: drops backends");
  }, 240_000);

  it("cancel stops the guests too: no QEMU survives its run", async () => {
    const run = await requestRun({ repository: "vms", branch: "main", lane: "cluster" });
    await waitFor(
      "a guest to print",
      async () =>
        (await readConsole(run.id, "node01").catch(() => null))?.data.includes(Buffer.from("Linux version")) ?? false,
      120_000,
    );
    // this file's guests are found (so "none left" below can fail)
    expect(qemuPids().length).toBeGreaterThan(0);
    await cancelRun(run.id, "test");
    expect((await ended(run.id, 15_000)).status).toBe("canceled");
    await waitFor("no qemu left", async () => qemuPids().length === 0, 10_000);
  }, 240_000);

  it("holds the VMs for their holder: typing reaches the guest, ending the hold stops them", async () => {
    const op = await createUser({ name: "op", password: "operator-password", role: "operator" });
    const other = await createUser({ name: "someone", password: "someone-password", role: "operator" });
    const run = await requestRun({
      repository: "vms",
      branch: "main",
      lane: "single",
      hold: { seconds: 120, userId: op.id },
    });
    await waitFor(
      "the hold to start",
      async () => ((await runById(run.id)).holdUntil?.getTime() ?? 0) > Date.now(),
      120_000,
    );
    await waitFor(
      "the guest's prompt",
      async () => (await readConsole(run.id, "node01")).data.includes(Buffer.from("node01:")),
      60_000,
    );
    await expect(sendInput(run.id, other, "node01", Buffer.from("echo nope\n"))).rejects.toThrow(
      /may not type into them or end the hold: op holds this run.s VMs; only op or an admin may/,
    );
    await sendInput(run.id, op, "node01", Buffer.from("echo hello-$((6*7))\n"));
    await waitFor(
      "the echo",
      async () => (await readConsole(run.id, "node01")).data.includes(Buffer.from("hello-42")),
      20_000,
    );
    const holding = await runById(run.id);
    expect(holding.status).toBe("running");
    expect(qemuPids()).toHaveLength(1);
    // The lane ended where the hold began: the run's duration stops there, the hold is apart.
    expect(holding.laneEndedAt).not.toBeNull();

    await endHold(run.id, op);
    const done = await ended(run.id, 30_000);
    expect(done.status).toBe("passed");
    expect(done.holdUntil!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(done.laneEndedAt).toEqual(holding.laneEndedAt);
    expect(done.finishedAt!.getTime()).toBeGreaterThan(done.laneEndedAt!.getTime());
    await waitFor("no qemu left", async () => qemuPids().length === 0, 10_000);
  }, 300_000);
});
