import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@proofboard/db";
import { closeQueues, laneQueue } from "@proofboard/jobs";
import {
  cancelRun,
  ensureRepository,
  firstFailingConsole,
  listConsoles,
  readConsole,
  requestRun,
  runById,
  syncRepository,
  waitingReason,
} from "@proofboard/services";
import { startWorker, type RunningWorker } from "@proofboard/worker";
import { makeRepo, resetDb, waitFor } from "./helpers";

const catalog = `version: 1
name: hosts
lanes:
  - { name: nested, description: needs nested KVM, command: [bash, -c, "echo nested ok"], group: publishable, host: nested-kvm, timeoutSeconds: 60 }
  - name: preflight
    description: stops at its preflight without /dev/kvm
    command: [bash, -c, "echo checking host; echo 'preflight: /dev/kvm is absent; stopping by design' >&2; exit 77"]
    group: publishable
    host: tcg
    timeoutSeconds: 60
    unsupportedExitCodes: [77]
  - { name: driver, description: NixOS test-driver output, command: [bash, lanes/driver.sh], group: publishable, host: tcg, timeoutSeconds: 60, consoles: [node01, node04] }
  - { name: driver-order, description: two VMs fail in one read, command: [bash, lanes/driver-order.sh], group: publishable, host: tcg, timeoutSeconds: 60, consoles: [node01, node03] }
  - { name: serial, description: writes serial logs, command: [bash, lanes/serial.sh], group: publishable, host: tcg, timeoutSeconds: 60, serialLogs: "work/serial/*.log" }
  - { name: long, description: runs until canceled, command: [bash, lanes/long.sh], group: publishable, host: tcg, timeoutSeconds: 600 }
gates: []
`;
const driverScript = `printf 'start_all\\n'
printf '\\033[2mnode01 # [    0.000000] Linux version 6.1.0\\033[0m\\n' >&2
printf 'root@host # rm -rf /\\n'
printf 'node01: waiting for unit\\n' >&2
printf 'vm-test-run-demo> node02 # before node02 was announced\\n' >&2
printf 'vm-test-run-demo> node02: starting vm\\n' >&2
printf 'vm-test-run-demo> node02 # caf\\xc3\\xa9 \\xff raw\\n' >&2
printf '\\033[2mnode01 # chainfire healthy\\033[0m\\n' >&2
printf 'vm-test-run-demo> node01 # [FAILED] Failed to start flaredb.service\\n' >&2
`;
// node01's first line starts its console's flush timer; node03 fails first in the very next read.
const driverOrderScript = `printf 'node01 # booting\\n' >&2
sleep 0.01
printf 'node03 # FAIL: node03 first\\nnode01 # FAIL: node01 second\\n' >&2
exit 1
`;
const serialScript = `mkdir -p work/serial
for i in 1 2 3 4 5; do echo "node01 boot line $i" >> work/serial/node01.log; sleep 0.2; done
printf '\\x00\\xffend\\n' >> work/serial/node01.log
echo "[bmc] node02 powered on" > work/serial/node02.log
`;
const longScript = `sleep 300 &
echo $! > "$PB_PIDFILE"
echo started
sleep 300
`;

/** A folder standing in for /dev and /sys of a host with nested virtualization. */
function fakeNestedHost(): { dev: string; sys: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), "pb-probe-"));
  mkdirSync(path.join(root, "dev"));
  writeFileSync(path.join(root, "dev/kvm"), "");
  mkdirSync(path.join(root, "sys/module/kvm_intel/parameters"), { recursive: true });
  writeFileSync(path.join(root, "sys/module/kvm_intel/parameters/nested"), "Y\n");
  return { dev: path.join(root, "dev"), sys: path.join(root, "sys") };
}

const pidFile = path.join(mkdtempSync(path.join(os.tmpdir(), "pb-long-")), "child.pid");
let tcgWorker: RunningWorker;
const workers: RunningWorker[] = [];

beforeAll(async () => {
  await resetDb();
  for (const c of ["nested-kvm", "kvm", "tcg"] as const) await laneQueue(c).obliterate({ force: true });
  const target = makeRepo({
    "proofboard.yaml": catalog,
    "lanes/driver.sh": driverScript,
    "lanes/driver-order.sh": driverOrderScript,
    "lanes/serial.sh": serialScript,
    "lanes/long.sh": longScript.replace("$PB_PIDFILE", pidFile),
  });
  await syncRepository(await ensureRepository("hosts", target.dir));
  const empty = mkdtempSync(path.join(os.tmpdir(), "pb-probe-empty-"));
  tcgWorker = await startWorker({
    hostName: "tcg-only",
    control: false,
    slots: 2,
    probeRoots: { dev: empty, sys: empty },
    log: () => undefined,
  });
  workers.push(tcgWorker);
});

afterAll(async () => {
  for (const w of workers) await w.stop();
  await closeQueues();
  await disconnectDb();
});

const ended = (id: string) =>
  waitFor(`run ${id} to end`, async () => {
    const r = await runById(id);
    return ["queued", "running"].includes(r.status) ? null : r;
  });

describe("hosts are measured, lanes routed by class", () => {
  it("a TCG-only host serves only tcg", () => {
    expect(tcgWorker.classes).toEqual(["tcg"]);
  });

  it("a nested-KVM lane waits, saying why, until a host that can serve it comes online", async () => {
    const run = await requestRun({ repository: "hosts", branch: "main", lane: "nested" });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await runById(run.id)).status).toBe("queued");
    expect(await waitingReason("nested-kvm", 30)).toBe("waiting for a host with nested KVM: none is online");

    const nestedHost = await startWorker({
      hostName: "nested-host",
      control: false,
      slots: 1,
      probeRoots: fakeNestedHost(),
      log: () => undefined,
    });
    workers.push(nestedHost);
    expect(nestedHost.classes).toEqual(["nested-kvm", "kvm", "tcg"]);
    const done = await ended(run.id);
    expect(done.status).toBe("passed");
    expect(done.hostId).toBe(nestedHost.hostId);
    expect(done.hostFingerprint).toMatchObject({ host: "nested-host", kvm: true, nestedVirtualization: true });
    await nestedHost.stop();
    workers.pop();
  });
});

describe("preflight", () => {
  it("a harness that stops at its preflight ends unsupported on this host, with its reason", async () => {
    const run = await ended((await requestRun({ repository: "hosts", branch: "main", lane: "preflight" })).id);
    expect(run.status).toBe("unsupported");
    expect(run.failureKind).toBe("unsupported");
    expect(run.reason).toBe("stopped at preflight (exit 77): preflight: /dev/kvm is absent; stopping by design");
  });
});

describe("consoles from VMs", () => {
  it("splits the NixOS test driver's VM lines into one console per VM; the harness keeps the original bytes", async () => {
    const run = await ended((await requestRun({ repository: "hosts", branch: "main", lane: "driver" })).id);
    expect(run.status).toBe("passed");
    const consoles = await listConsoles(run.id);
    expect(consoles.map((c) => c.name)).toEqual(["harness", "node01", "node02", "node04"]);
    expect((await readConsole(run.id, "node01")).data.toString()).toBe(
      "[    0.000000] Linux version 6.1.0\nchainfire healthy\n[FAILED] Failed to start flaredb.service\n",
    );
    const by = Object.fromEntries(consoles.map((c) => [c.name, c]));
    // The run passed, so its VMs did; the line that looked like a failure stays marked.
    expect(by.node01).toMatchObject({
      kind: "driver",
      verdict: "passed",
      lines: 3,
      markers: [{ line: 3, kind: "failed-unit", text: "[FAILED] Failed to start flaredb.service" }],
    });
    expect(by.node02).toMatchObject({
      kind: "driver",
      expectedFrom: 'the test driver ("node02: starting vm")',
      markers: [],
    });
    // Declared, never printed: it says so, and what was expected.
    expect(by.node04).toMatchObject({
      kind: "declared",
      length: 0,
      verdict: "no-output",
      expectedFrom: expect.stringContaining("the consoles of lane driver"),
    });
    expect((await readConsole(run.id, "node02")).data.equals(Buffer.from("caf\xc3\xa9 \xff raw\n", "latin1"))).toBe(
      true,
    );
    const harness = (await readConsole(run.id, "harness")).data;
    expect(harness.includes(Buffer.from("\x1b[2mnode01 # chainfire healthy\x1b[0m\n"))).toBe(true);
    expect(harness.includes(Buffer.from("node01: waiting for unit\n"))).toBe(true);
    expect(harness.includes(Buffer.from("root@host # rm -rf /\n"))).toBe(true);
    expect(harness.includes(Buffer.from("vm-test-run-demo> node02 # before node02 was announced\n"))).toBe(true);
  });

  it("opens a failed run at the VM the driver printed failing first, whatever each console's flush timing", async () => {
    const run = await ended((await requestRun({ repository: "hosts", branch: "main", lane: "driver-order" })).id);
    expect(run.status).toBe("failed");
    const consoles = await listConsoles(run.id);
    const first = (name: string) => consoles.find((c) => c.name === name)!.markers[0]!;
    expect(first("node03").text).toBe("FAIL: node03 first");
    expect(first("node01").text).toBe("FAIL: node01 second");
    expect(first("node03").seq).toBeLessThan(first("node01").seq!);
    expect(firstFailingConsole(consoles)).toBe("node03");
  });

  it("tails the serial logs a harness writes while they grow, one console per file", async () => {
    const run = await ended((await requestRun({ repository: "hosts", branch: "main", lane: "serial" })).id);
    expect(run.status).toBe("passed");
    const node01 = (await readConsole(run.id, "node01")).data;
    const expected = Buffer.concat([
      Buffer.from([1, 2, 3, 4, 5].map((i) => `node01 boot line ${i}\n`).join("")),
      Buffer.from([0x00, 0xff]),
      Buffer.from("end\n"),
    ]);
    expect(node01.equals(expected)).toBe(true);
    expect((await readConsole(run.id, "node02")).data.toString()).toBe("[bmc] node02 powered on\n");
    const kinds = await db().console.findMany({
      where: { runId: run.id },
      select: { name: true, kind: true },
      orderBy: { name: "asc" },
    });
    expect(kinds).toEqual([
      { name: "harness", kind: "harness" },
      { name: "node01", kind: "file" },
      { name: "node02", kind: "file" },
    ]);
  });
});

describe("cancel", () => {
  it("stops a running lane's whole process group within 10 s", async () => {
    const run = await requestRun({ repository: "hosts", branch: "main", lane: "long" });
    await waitFor(
      "the lane to start its child",
      async () => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim().length > 0,
    );
    const child = Number(readFileSync(pidFile, "utf8"));
    const asked = Date.now();
    await cancelRun(run.id, "test");
    const done = await ended(run.id);
    expect(Date.now() - asked).toBeLessThan(10_000);
    expect(done.status).toBe("canceled");
    expect(done.failureKind).toBe("canceled");
    await waitFor("the child to be gone", async () => !existsSync(`/proc/${child}`), 5000);
  });

  it("ends a queued run at once", async () => {
    const blocker = await requestRun({ repository: "hosts", branch: "main", lane: "nested" });
    const done = await cancelRun(blocker.id, "test");
    expect(done.status).toBe("canceled");
    expect(done.reason).toBe("canceled by test before it started");
  });
});
