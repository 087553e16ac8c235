import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser, type AuthUser } from "@proofboard/auth";
import { db, disconnectDb } from "@proofboard/db";
import { createDemoRepository } from "@proofboard/demo";
import { resetEnvCache } from "@proofboard/env";
import { closeQueues, laneQueue } from "@proofboard/jobs";
import {
  ensureRepository,
  followRun,
  listOperations,
  readConsole,
  requestOperation,
  requestRun,
  resizeOperation,
  runById,
  sendInput,
  syncRepository,
  type OperationView,
} from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
import { resetDb, waitFor } from "./helpers";

/**
 * Operations on a held cluster of the demo target: real guests under TCG, the demo's test-cluster
 * stand-in run by the worker in a pseudo-terminal, its bytes a console of the run.
 */
let worker: RunningWorker;
let op: AuthUser;
let other: AuthUser;

beforeAll(async () => {
  await resetDb();
  await db().$executeRawUnsafe(`DELETE FROM "session"; DELETE FROM "user";`);
  await laneQueue("tcg").obliterate({ force: true });
  const demo = await createDemoRepository(path.join(mkdtempSync(path.join(os.tmpdir(), "pb-ops-")), "ultracloud-demo"));
  await syncRepository(await ensureRepository("ultracloud-demo", demo.path));
  process.env.PROOFBOARD_VM_ACCEL = "tcg";
  // The worker reads it through @proofboard/env, which parsed the environment before this line.
  resetEnvCache();
  op = await createUser({ name: "op", password: "operator-password", role: "operator" });
  other = await createUser({ name: "someone", password: "someone-password", role: "operator" });
  worker = await startWorker({ hostName: "ops-host", control: false, slots: 2, log: () => undefined });
}, 600_000);

afterAll(async () => {
  await worker?.stop();
  await closeQueues();
  await disconnectDb();
});

/** QEMUs of this file's worker (other suites may boot guests of their own meanwhile). */
const qemuCount = () => {
  try {
    return execFileSync("pgrep", ["-fc", `qemu-system-x86_64 .*${process.env.PROOFBOARD_DATA_DIR}/worker/ops-host/`], {
      encoding: "utf8",
    }).trim();
  } catch {
    return "0"; // pgrep exits 1 when nothing matches
  }
};

async function heldRun(branch: string, lane: string): Promise<string> {
  const run = await requestRun({ repository: "ultracloud-demo", branch, lane, hold: { seconds: 600, userId: op.id } });
  await waitFor(
    "the hold to start",
    async () => ((await runById(run.id)).holdUntil?.getTime() ?? 0) > Date.now(),
    180_000,
  );
  for (const node of ["node01", "node02", "node03"]) {
    await waitFor(
      `${node}'s held shell`,
      async () => (await readConsole(run.id, node)).data.includes(Buffer.from(`${node}:/# `)),
      90_000,
    );
  }
  return run.id;
}

const text = async (runId: string, console: string) => (await readConsole(runId, console)).data.toString("utf8");

async function ended(runId: string, id: string, timeoutMs = 60_000): Promise<OperationView> {
  return waitFor(
    `operation ${id} to end`,
    async () => (await listOperations(runId, op)).operations.find((o) => o.id === id && o.endedAt),
    timeoutMs,
  );
}

describe("operations on a held cluster", () => {
  let runId: string;

  beforeAll(async () => {
    runId = await heldRun("main", "fresh-smoke");
  }, 300_000);

  it("offers the lane's operations to the holder only; others and hostile requests are refused with reasons", async () => {
    const forHolder = await listOperations(runId, op);
    expect(forHolder.available.map((o) => o.name)).toEqual(["status", "logs", "ssh", "stop", "clean"]);
    expect(forHolder.nodes).toEqual(["node01", "node02", "node03"]);
    expect([
      forHolder.youMayRun,
      (await listOperations(runId, other)).youMayRun,
      (await listOperations(runId, null)).youMayRun,
    ]).toEqual([true, false, false]);

    await expect(requestOperation(runId, other, { name: "status", cols: 80, rows: 24 })).rejects.toThrow(
      "only op may run operations on this held cluster",
    );
    await expect(requestOperation(runId, op, { name: "rm", cols: 80, rows: 24 })).rejects.toThrow(
      /has no operation "rm" .*\(it has: status, logs, ssh, stop, clean\)/,
    );
    await expect(
      requestOperation(runId, op, { name: "logs", node: "node02; reboot -f", cols: 80, rows: 24 }),
    ).rejects.toThrow(/"node02; reboot -f" is not a VM of this run/);
    await expect(requestOperation(runId, op, { name: "logs", node: "harness", cols: 80, rows: 24 })).rejects.toThrow(
      /is not a VM of this run/,
    );
    await expect(requestOperation(runId, op, { name: "logs", cols: 80, rows: 24 })).rejects.toThrow(
      /runs on one VM: name one of node01, node02, node03/,
    );
    await expect(requestOperation(runId, op, { name: "status", node: "node01", cols: 80, rows: 24 })).rejects.toThrow(
      /acts on the whole cluster/,
    );
    expect((await listOperations(runId, op)).operations).toEqual([]);
  });

  it("runs status and logs NODE in the run's worktree and environment, each recorded as a console with who ran it", async () => {
    const status = await ended(runId, (await requestOperation(runId, op, { name: "status", cols: 120, rows: 30 })).id);
    expect(status).toMatchObject({
      console: "op1-status",
      requestedBy: "op",
      exitCode: 0,
      error: null,
      argv: ["node", "lanes/test-cluster.mjs", "status"],
    });
    const table = await text(runId, "op1-status");
    for (const node of ["node01", "node02", "node03"])
      expect(table).toMatch(new RegExp(`${node} +running +\\d+ .*ready +RESULT: PASS ${node}`));

    const logs = await ended(
      runId,
      (await requestOperation(runId, op, { name: "logs", node: "node01", cols: 120, rows: 30 })).id,
    );
    expect(logs).toMatchObject({
      console: "op2-logs-node01",
      node: "node01",
      exitCode: 0,
      argv: ["node", "lanes/test-cluster.mjs", "logs", "node01"],
    });
    const log = await text(runId, "op2-logs-node01");
    expect(log).toContain("Linux version");
    expect(log).toContain("UltraCloud guest node01");
    expect(log).not.toContain("UltraCloud guest node02");
    const consoles = await db().console.findMany({ where: { runId, kind: "operation" }, select: { name: true } });
    expect(consoles.map((c) => c.name).sort()).toEqual(["op1-status", "op2-logs-node01"]);
  }, 120_000);

  it("ssh node02: the holder's keystrokes reach the guest's shell, its size follows resizes, and the bytes replay exactly", async () => {
    const ssh = await requestOperation(runId, op, { name: "ssh", node: "node02", cols: 100, rows: 30 });
    const live: Buffer[] = [];
    const following = new AbortController();
    const collecting = (async () => {
      for await (const ev of followRun(runId, {}, following.signal))
        if (ev.kind === "bytes" && ev.console === ssh.console) live.push(ev.data);
    })();
    await waitFor(
      "the guest's ssh prompt",
      async () => (await text(runId, ssh.console)).includes("root@node02:/# "),
      60_000,
    );

    await expect(sendInput(runId, other, ssh.console, Buffer.from("echo intruder\n"))).rejects.toThrow(
      /may not type into them or end the hold: op holds this run.s VMs; only op or an admin may/,
    );
    // A keystroke's echo shows at once, whatever it is (none is held back as the start of something).
    for (const key of ["p", "r", "o", "\x7f"]) {
      const before = (await readConsole(runId, ssh.console)).data.length;
      await sendInput(runId, op, ssh.console, Buffer.from(key));
      await waitFor(
        `the echo of ${JSON.stringify(key)}`,
        async () => (await readConsole(runId, ssh.console)).data.length > before,
        3000,
      );
    }
    await sendInput(runId, op, ssh.console, Buffer.from("\x15"));
    await sendInput(runId, op, ssh.console, Buffer.from("echo hi-$((6*7)); hostname\n"));
    await waitFor(
      "the guest's answer",
      async () => /\r\nhi-42\r\nnode02\r\n/.test(await text(runId, ssh.console)),
      20_000,
    );
    await sendInput(runId, op, ssh.console, Buffer.from("stty size\n"));
    await waitFor(
      "the size it was started with",
      async () => /\r\n30 100\r\n/.test(await text(runId, ssh.console)),
      20_000,
    );
    await resizeOperation(runId, op, ssh.id, 90, 20);
    await new Promise((r) => setTimeout(r, 500));
    await sendInput(runId, op, ssh.console, Buffer.from("stty size\n"));
    await waitFor("the new size", async () => /\r\n20 90\r\n/.test(await text(runId, ssh.console)), 20_000);
    // ^C reaches what runs in the guest (the line is its shell's controlling tty)
    await sendInput(runId, op, ssh.console, Buffer.from("sleep 600\n"));
    await new Promise((r) => setTimeout(r, 1000));
    await sendInput(runId, op, ssh.console, Buffer.from("\x03"));
    // bytes as the terminal gave them: an escape sequence and UTF-8, never re-encoded
    await sendInput(runId, op, ssh.console, Buffer.from("printf 'x\\033[31mred\\303\\251\\033[0m\\n'\n"));
    await waitFor(
      "the raw bytes",
      async () =>
        (await readConsole(runId, ssh.console)).data.includes(Buffer.from("x\x1b[31mred\u00e9\x1b[0m", "utf8")),
      20_000,
    );
    expect(await text(runId, "node02")).not.toContain("hi-42"); // its own port, not the console

    await sendInput(runId, op, ssh.console, Buffer.from("exit\n"));
    const done = await ended(runId, ssh.id, 30_000);
    expect(done).toMatchObject({ exitCode: 0, error: null, requestedBy: "op" });
    const stored = (await readConsole(runId, ssh.console)).data;
    expect(stored.toString("utf8")).toContain("Connection to node02 closed.");
    await waitFor("the live stream to catch up", async () => Buffer.concat(live).length >= stored.length, 10_000);
    following.abort();
    await collecting.catch(() => undefined);
    expect(Buffer.concat(live).equals(stored)).toBe(true);
    await expect(sendInput(runId, op, ssh.console, Buffer.from("echo late\n"))).rejects.toThrow(
      /neither a VM console nor a running operation/,
    );
  }, 180_000);

  it("starts an operation whose start message was lost: Postgres has it, the worker's heartbeat finds it", async () => {
    const c = await db().console.create({ data: { runId, name: "op9-status", kind: "operation" } });
    const row = await db().operation.create({
      data: {
        runId,
        name: "status",
        argv: ["node", "lanes/test-cluster.mjs", "status"],
        consoleId: c.id,
        requestedById: op.id,
      },
    });
    expect((await ended(runId, row.id, 20_000)).exitCode).toBe(0);
    expect(await text(runId, "op9-status")).toContain("GUEST VERDICT");
  }, 60_000);

  it("stop hangs up an open ssh session, then ends the hold: each guest reports its own verdict", async () => {
    const ssh = await requestOperation(runId, op, { name: "ssh", node: "node01", cols: 80, rows: 24 });
    await waitFor(
      "node01's ssh prompt",
      async () => (await text(runId, ssh.console)).includes("root@node01:/# "),
      60_000,
    );
    expect(qemuCount()).toBe("3");
    const stop = await ended(
      runId,
      (await requestOperation(runId, op, { name: "stop", cols: 120, rows: 30 })).id,
      90_000,
    );
    expect((await ended(runId, ssh.id)).exitCode).toBe(129); // hung up, as a closed terminal does
    expect(stop.exitCode).toBe(0);
    const out = await text(runId, stop.console);
    for (const node of ["node01", "node02", "node03"])
      expect(out).toContain(`${node}: stopped; passed (RESULT: PASS ${node}`);
    const run = await waitFor(
      "the run to end",
      async () => {
        const r = await runById(runId);
        return r.status === "running" ? null : r;
      },
      60_000,
    );
    expect(run.status).toBe("passed");
    expect(run.holdUntil!.getTime()).toBeLessThanOrEqual(Date.now());
    await waitFor("no qemu left", async () => qemuCount() === "0", 15_000);
    await expect(requestOperation(runId, op, { name: "status", cols: 80, rows: 24 })).rejects.toThrow(/not held/);
  }, 180_000);
});

describe("clean on a failing cluster", () => {
  it("stops it without turning a failed guest into a pass, then removes its serial logs", async () => {
    const runId = await heldRun("feature/fiberlb-rework", "fresh-matrix");
    const clean = await ended(
      runId,
      (await requestOperation(runId, op, { name: "clean", cols: 120, rows: 30 })).id,
      90_000,
    );
    const out = await text(runId, clean.console);
    expect(out).toMatch(/node01: stopped; failed \(RESULT: FAIL node01/);
    expect(out).toContain("removed node03's serial log");
    const run = await waitFor(
      "the run to end",
      async () => {
        const r = await runById(runId);
        return r.status === "running" ? null : r;
      },
      60_000,
    );
    expect(run.status).toBe("failed");
    // each guest's own verdict, from its exit status
    const verdicts = await db().console.findMany({
      where: { runId, kind: "vm" },
      select: { name: true, verdict: true },
      orderBy: { name: "asc" },
    });
    expect(verdicts).toEqual(["node01", "node02", "node03"].map((name) => ({ name, verdict: "failed" })));
  }, 300_000);
});
