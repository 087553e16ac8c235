import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { db } from "@proofboard/db";
import { HostNameTaken, registerHost } from "@proofboard/services";
import { ownIdentity, stillRunsHere } from "../../apps/worker/src/ownership/identity";
import { resetDb, waitFor } from "./helpers";

const children: ChildProcess[] = [];
/** Running, not a zombie its adopter has yet to reap. */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return false;
  }
};

/** A stand-in worker owning one attempt with a detached (setsid) child and a plain one. */
async function standIn(
  workDir: string,
  attemptId: string,
  setting: string,
): Promise<{ proc: ChildProcess; pids: number[]; mode: string }> {
  // node itself (with tsx as a loader), not the tsx launcher: SIGKILL must reach the worker's own process.
  const proc = spawn(
    process.execPath,
    ["--import", "tsx", "tests/support/ownership-child.ts", workDir, attemptId, setting],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  children.push(proc);
  const info = await new Promise<{ lane: number; children: number[]; mode: string }>((resolve, reject) => {
    let out = "";
    proc.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line) as { lane: number; children: number[]; mode: string });
    });
    proc.once("exit", (code) => reject(new Error(`stand-in exited ${code}`)));
  });
  return { proc, pids: [info.lane, ...info.children], mode: info.mode };
}

afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
});

describe.each([
  ["cgroup when the host allows it", ""],
  ["owner tokens only", "off"],
])("ownership of what an attempt starts (%s)", (_, setting) => {
  it("a worker killed with SIGKILL leaves nothing running, setsid children included, and nothing of a neighbour's is touched", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "pb-own-"));
    // "vm" is a prefix of "vm2": the bug that once stopped a neighbour's VMs.
    const attemptA = `run-a-${randomUUID()}.1`;
    const vm = await standIn(path.join(root, "vm"), attemptA, setting);
    const vm2 = await standIn(path.join(root, "vm2"), `run-b-${randomUUID()}.1`, setting);
    if (setting === "off") expect(vm.mode).toMatch(/^owner tokens only/);
    else expect(vm.mode).toMatch(/^per-attempt cgroups|^owner tokens only/);
    // In cgroup mode the whole tree, the setsid child too, sits in the attempt's own cgroup.
    if (vm.mode.startsWith("per-attempt cgroups"))
      for (const pid of vm.pids) expect(await cgroupOf(pid), `pid ${pid}`).toContain(attemptA);
    expect([...vm.pids, ...vm2.pids].every(alive)).toBe(true);
    const killedAt = Date.now();
    vm.proc.kill("SIGKILL");
    await waitFor("the guardian to end the dead worker's tree", async () => !vm.pids.some(alive), 5000);
    expect(Date.now() - killedAt).toBeLessThan(5000);
    expect(vm2.pids.every(alive)).toBe(true);
    vm2.proc.kill("SIGKILL");
    await waitFor("vm2's tree to end", async () => !vm2.pids.some(alive), 5000);
    await rm(root, { recursive: true, force: true });
  });

  it("a restarted worker ends what its dead predecessor's ledger lists, when the guardian died too", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "pb-own-"));
    const first = await standIn(path.join(root, "host-with-a-long-name-of-28ch"), `run-c-${randomUUID()}.1`, setting);
    const neighbour = await standIn(
      path.join(root, "host-with-a-long-name-of-28ch2"),
      `run-d-${randomUUID()}.1`,
      setting,
    );
    // The whole worker goes, guardian included (its own session): only the ledger is left.
    const guardians = await guardianPids(first.proc.pid!);
    first.proc.kill("SIGKILL");
    for (const g of guardians) if (g !== undefined) process.kill(g, "SIGSTOP");
    await new Promise((r) => setTimeout(r, 300));
    for (const g of guardians) process.kill(g, "SIGKILL");
    // Nothing reaped it: the lane's detached children still run.
    expect(first.pids.slice(1).some(alive)).toBe(true);
    expect(await readdir(path.join(root, "host-with-a-long-name-of-28ch", "owned"))).toHaveLength(1);
    const successor = await standIn(
      path.join(root, "host-with-a-long-name-of-28ch"),
      `run-e-${randomUUID()}.1`,
      setting,
    );
    await waitFor("the successor to end its predecessor's tree", async () => !first.pids.some(alive), 5000);
    expect([...neighbour.pids, ...successor.pids].every(alive)).toBe(true);
    successor.proc.kill("SIGKILL");
    neighbour.proc.kill("SIGKILL");
    await rm(root, { recursive: true, force: true });
  });
});

/** The guardian (node running guardian.mjs) that this stand-in started: no other process's, on a shared machine. */
async function guardianPids(parent: number): Promise<number[]> {
  const found: number[] = [];
  for (const e of await readdir("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    const cmd = await readFile(`/proc/${e}/cmdline`, "utf8").catch(() => "");
    const stat = await readFile(`/proc/${e}/stat`, "utf8").catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (cmd.includes("ownership/guardian.mjs") && ppid === parent) found.push(Number(e));
  }
  expect(found).toHaveLength(1);
  return found;
}

/** The cgroup v2 path of a process ("0::/..."). */
async function cgroupOf(pid: number): Promise<string> {
  const lines = (await readFile(`/proc/${pid}/cgroup`, "utf8")).split("\n");
  return lines.find((l) => l.startsWith("0::")) ?? "";
}

describe("worker identity", () => {
  it("refuses a second live worker under a taken host name, and takes it over from a dead one", async () => {
    await resetDb();
    const base = {
      name: "shared-name",
      classes: ["tcg"],
      capabilities: {},
      slots: 1,
      stillRuns: stillRunsHere,
      hostTimeoutSeconds: 8,
    };
    const first = await ownIdentity();
    const host = await registerHost({ ...base, identity: first });
    // This test process is the "first" worker: its pid and start time are alive on this boot.
    const second = { ...(await ownIdentity()) };
    await expect(registerHost({ ...base, identity: second })).rejects.toThrow(HostNameTaken);
    await expect(registerHost({ ...base, identity: second })).rejects.toThrow(
      /held by a running worker \(pid \d+ .*give this worker its own PROOFBOARD_HOST_NAME/,
    );
    // The first one dies: its pid is gone (a pid no process has) and its heartbeat aged.
    await db().host.update({
      where: { id: host.id },
      data: { pid: 2 ** 22 + 7, lastHeartbeatAt: new Date(Date.now() - 60_000) },
    });
    const taken = await registerHost({ ...base, identity: second });
    expect(taken.instanceId).toBe(second.instanceId);
    // On another machine nothing local can tell: a fresh heartbeat means alive.
    await db().host.update({
      where: { id: host.id },
      data: { bootId: "another-boot", machine: "elsewhere", lastHeartbeatAt: new Date() },
    });
    await expect(registerHost({ ...base, identity: first })).rejects.toThrow(/on elsewhere/);
  });
});
